import Central
import CentralSQLite
import ClientSync
import Foundation
import Store
import SyncProtocol
import Testing

/// Does the preset dictionary shrink small incremental syncs? (It stays only if it does.)
@Suite struct PresetDictionaryTests {
    static func oneVisitPush() throws -> [UInt8] {
        let change = Change(
            id: ChangeID(deviceID: "4b02142f-90be-427f-a545-d59e9e3d4587", seq: 42), hlc: HLC(milliseconds: 1_795_000_000_000, counter: 0),
            recordedAt: "2026-11-20T16:41:07.512Z", author: "sam.okafor", recordID: "01a209dc-d0a6-7e95-93c7-189136729da8",
            recordType: .visit, caseID: "LA-1042", kind: .create,
            writes: [
                FieldWrite(field: "occurred_at", value: "2026-11-20T15:30:00Z", supersedes: []),
                FieldWrite(field: "type", value: "statutory", supersedes: []),
                FieldWrite(field: "seen", value: "yes", supersedes: []),
                FieldWrite(field: "seen_alone", value: "yes", supersedes: []),
                FieldWrite(field: "bedroom_seen", value: "yes", supersedes: []),
                FieldWrite(field: "location", value: "foster home", supersedes: []),
                FieldWrite(field: "wishes", value: "Said he likes it here and wants to keep going to football on Saturdays.", supersedes: []),
                FieldWrite(field: "status", value: "draft", supersedes: []),
            ],
            sealed: [], previousHash: String(repeating: "ab", count: 32))
        var request = Fieldbook_V1_PushRequest()
        request.changes = [Fieldbook_V1_Change(change)]
        return try request.serializedBytes()
    }

    @Test func theDictionaryShrinksAOneVisitPush() throws {
        let message = try Self.oneVisitPush()
        let plain = try Zlib.compress(message)
        let withDictionary = try Zlib.compress(message, dictionary: PresetDictionary.v1)
        print("one-visit push: \(message.count) bytes raw, \(plain.count) zlib-6, \(withDictionary.count) zlib-6 with the preset dictionary")
        #expect(withDictionary.count < plain.count)
        #expect(try Zlib.decompress(withDictionary, maximumSize: message.count, dictionary: PresetDictionary.v1) == message)
    }
}
