@testable import Central
@testable import CentralSQLite
@testable import ClientSync
import Foundation
import Store
import SwiftProtobuf
@testable import SyncProtocol
import Testing

/// Protocol/vectors: framed messages (NAME.bin) and their meaning (vectors.json, protobuf JSON), checked
/// both ways. Regenerate only for a new protocol version: FIELDBOOK_WRITE_VECTORS=1 swift test --filter GoldenVector
@Suite struct GoldenVectorTests {
    struct Vector: Codable {
        let name: String
        let message: String
        let compressed: Bool
        let description: String
        let meaning: String
    }

    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Protocol/vectors")

    static func messages() throws -> [(String, String, any SwiftProtobuf.Message, Bool)] {
        var enrol = Fieldbook_V1_EnrolRequest()
        enrol.code = "K7QF-M2XP-9RTA"
        enrol.deviceID = "4b02142f-90be-427f-a545-d59e9e3d4587"
        enrol.deviceName = "sam's laptop"
        enrol.protocolVersion = 1
        let push = try Fieldbook_V1_PushRequest(serializedBytes: try PresetDictionaryTests.oneVisitPush())
        var result = Fieldbook_V1_PushResult()
        result.id = Fieldbook_V1_ChangeRef(ChangeID(deviceID: "4b02142f-90be-427f-a545-d59e9e3d4587", seq: 42))
        result.status = .quarantined
        result.reason = "case LA-1042 is not allocated to sam.okafor (it is allocated to lee.ward)"
        result.quarantineID = 7
        var pushResponse = Fieldbook_V1_PushResponse()
        pushResponse.results = [result]
        var pull = Fieldbook_V1_PullRequest()
        pull.cursor = 1207
        pull.maxChanges = 1000
        pull.heldCases = ["LA-1042", "LA-1043"]
        var pullResponse = Fieldbook_V1_PullResponse()
        pullResponse.nextCursor = 1310
        pullResponse.purgeCases = ["LA-1043"]
        pullResponse.user = "sam.okafor"
        pullResponse.role = "worker"
        var error = Fieldbook_V1_ErrorResponse()
        error.code = "unauthorized"
        error.message = "missing, unknown or revoked device token: enrol this device again"
        return [
            ("enrol_request", "an enrolment, uncompressed", enrol, false),
            ("push_request_one_visit", "a push of one new draft visit, zlib with the preset dictionary", push, true),
            ("push_response_quarantined", "the peer quarantined that change", pushResponse, true),
            ("pull_request", "a pull after cursor 1207 by a device holding two cases", pull, false),
            ("pull_response_purge", "nothing new; purge LA-1043", pullResponse, true),
            ("error_unauthorized", "the body of an HTTP 401", error, false),
        ] + (try v2Messages())
    }

    /// Version 2 (SPEC.md §12): the same visit as `push_request_one_visit` in one sync request, an answer
    /// pulling two changes of another device (the second leaves out its previous hash), and a plain pull.
    static func v2Messages() throws -> [(String, String, any SwiftProtobuf.Message, Bool)] {
        let v1Push = try Fieldbook_V1_PushRequest(serializedBytes: try PresetDictionaryTests.oneVisitPush())
        let visit = try v1Push.changes[0].decoded()
        var encoder = V2ChangeEncoder()
        var sync = Fieldbook_V2_SyncRequest()
        sync.changes = [encoder.encode(visit)]
        sync.devices = encoder.tables.devices
        sync.authors = encoder.tables.authors
        sync.deviceTimeMs = 1_795_176_067_600
        sync.cursor = 1207
        sync.maxChanges = 1000
        sync.heldCases = ["LA-1042"]
        sync.lacking = SeqRanges([3, 4, 5, 9]).wire
        sync.rulesDigest = CouncilRules.defaultsDigest

        let lee = "0193a2c4-7d55-7c1e-9e0b-5a7f3a9f2b11"
        let note = "01a209dd-15c2-7b44-8a61-3f0e6d2c9b70"
        let created = Change(id: ChangeID(deviceID: lee, seq: 17), hlc: HLC(milliseconds: 1_795_000_100_000, counter: 0),
                             recordedAt: "2026-11-20T16:42:47.512Z", author: "lee.ward", recordID: note, recordType: .note,
                             caseID: "LA-1042", kind: .create,
                             writes: [FieldWrite(field: "body", value: "Phoned school: attendance good.", supersedes: []),
                                      FieldWrite(field: "category", value: "phone", supersedes: []),
                                      FieldWrite(field: "status", value: "draft", supersedes: [])],
                             sealed: [], previousHash: String(repeating: "cd", count: 32))
        let finalised = Change(id: ChangeID(deviceID: lee, seq: 18), hlc: HLC(milliseconds: 1_795_000_160_000, counter: 0),
                               recordedAt: "2026-11-20T16:43:47.512Z", author: "lee.ward", recordID: note, recordType: .note,
                               caseID: "LA-1042", kind: .finalise,
                               writes: [FieldWrite(field: "status", value: "final", supersedes: [created.id])],
                               sealed: [created.id], previousHash: created.hash)
        var answerEncoder = V2ChangeEncoder()
        var answer = Fieldbook_V2_SyncResponse()
        var result = Fieldbook_V2_PushResult()
        result.status = .accepted
        result.receivedAtMs = 1_795_176_067_650
        answer.results = [result]
        answer.changes = [answerEncoder.encode(created, receivedAt: "2026-11-20T16:42:48.001Z"),
                          answerEncoder.encode(finalised, receivedAt: "2026-11-20T16:43:48.020Z")]
        answer.devices = answerEncoder.tables.devices
        answer.authors = answerEncoder.tables.authors
        answer.nextCursor = 1310
        answer.user = "sam.okafor"
        answer.role = "worker"
        answer.serverTimeMs = 1_795_176_067_655

        var pull = Fieldbook_V2_SyncRequest()
        pull.cursor = 1310
        pull.maxChanges = 1000
        pull.heldCases = ["LA-1042", "LA-1043"]

        // Arrival by segment (SPEC.md §12.6): the same two changes as case LA-1042's segment, at cursors 1301
        // and 1302, in the answer to a device that holds LA-1043 and is bringing LA-1042 up to horizon 1310.
        let segment = try CaseSegment.build(caseID: "LA-1042", entries: [
            LoggedChange(cursor: 1301, receivedAt: "2026-11-20T16:42:48.001Z", change: created),
            LoggedChange(cursor: 1302, receivedAt: "2026-11-20T16:43:48.020Z", change: finalised),
        ])
        let segmentMessage = try Fieldbook_V2_Segment(serializedBytes: try Frame.decode(segment.frame))
        var arriving = Fieldbook_V2_SyncRequest()
        arriving.cursor = 1207
        arriving.maxChanges = 1000
        arriving.heldCases = ["LA-1043"]
        arriving.acceptsSegments = true
        arriving.arrivalHorizon = 1310
        var progress = Fieldbook_V2_CaseProgress()
        progress.caseID = "LA-1042"
        progress.through = 1290
        arriving.arriving = [progress]
        var arrival = Fieldbook_V2_SyncResponse()
        arrival.segments = [Data(segment.frame)]
        arrival.arrivedCases = ["LA-1042"]
        arrival.nextCursor = 1207
        arrival.more = true
        arrival.user = "sam.okafor"
        arrival.role = "worker"
        arrival.serverTimeMs = 1_795_176_067_655
        return [
            ("v2_sync_request_one_visit", "v2: push the visit of push_request_one_visit and pull after cursor 1207, lacking own changes 3-5 and 9",
             sync, true),
            ("v2_sync_response_pulled", "v2: the visit accepted; two changes of lee's device, the second leaving out its previous hash",
             answer, true),
            ("v2_sync_request_pull", "v2: a plain pull (no changes), uncompressed", pull, false),
            ("v2_segment_pulled", "v2: case LA-1042's segment of the two changes of v2_sync_response_pulled, at cursors 1301-1302", segmentMessage, true),
            ("v2_sync_request_arrival", "v2: a pull holding LA-1043 while LA-1042 arrives by segment (through 1290) up to horizon 1310, uncompressed",
             arriving, false),
            ("v2_sync_response_arrival", "v2: the arrival answer: LA-1042's segment as a frame, LA-1042 arrived, cursor unchanged, uncompressed",
             arrival, false),
        ]
    }

    @Test func vectorsDecodeToTheirMeaningAndReencode() throws {
        let write = ProcessInfo.processInfo.environment["FIELDBOOK_WRITE_VECTORS"] == "1"
        var index: [Vector] = []
        for (name, description, message, compressed) in try Self.messages() {
            let json = try message.jsonString()
            let file = Self.folder.appendingPathComponent("\(name).bin")
            // Vectors are written once: a protocol version's bytes never change (compressed ones are not
            // canonical, so rewriting could change them).
            if write, !FileManager.default.fileExists(atPath: file.path) {
                try FileManager.default.createDirectory(at: Self.folder, withIntermediateDirectories: true)
                try Data(try Frame.encode(try message.serializedBytes(), compress: compressed)).write(to: file)
            }
            index.append(Vector(name: name, message: type(of: message).protoMessageName, compressed: compressed,
                                description: description, meaning: json))
        }
        let indexFile = Self.folder.appendingPathComponent("vectors.json")
        if write {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            try encoder.encode(index).write(to: indexFile)
        }
        let stored = try JSONDecoder().decode([Vector].self, from: Data(contentsOf: indexFile))
        #expect(stored.count == 12)
        for vector in stored {
            let bytes = Array(try Data(contentsOf: Self.folder.appendingPathComponent("\(vector.name).bin")))
            let payload = try Frame.decode(bytes)
            let type = try #require(Self.types[vector.message], "\(vector.message)")
            let decoded = try type.init(serializedBytes: payload)
            let meant = try type.init(jsonString: vector.meaning)
            // Bytes → meaning, and meaning → bytes.
            #expect(decoded.isEqualTo(message: meant), "\(vector.name)")
            #expect(try meant.serializedBytes() == payload, "\(vector.name)")
            if !vector.compressed {
                #expect(try Frame.encode(try meant.serializedBytes(), compress: false) == bytes, "\(vector.name)")
            } else {
                #expect(bytes[3] == 3, "\(vector.name): zlib with the preset dictionary")
            }
        }
    }

    static let types: [String: any SwiftProtobuf.Message.Type] = [
        Fieldbook_V1_EnrolRequest.protoMessageName: Fieldbook_V1_EnrolRequest.self,
        Fieldbook_V1_PushRequest.protoMessageName: Fieldbook_V1_PushRequest.self,
        Fieldbook_V1_PushResponse.protoMessageName: Fieldbook_V1_PushResponse.self,
        Fieldbook_V1_PullRequest.protoMessageName: Fieldbook_V1_PullRequest.self,
        Fieldbook_V1_PullResponse.protoMessageName: Fieldbook_V1_PullResponse.self,
        Fieldbook_V1_ErrorResponse.protoMessageName: Fieldbook_V1_ErrorResponse.self,
        Fieldbook_V2_SyncRequest.protoMessageName: Fieldbook_V2_SyncRequest.self,
        Fieldbook_V2_SyncResponse.protoMessageName: Fieldbook_V2_SyncResponse.self,
        Fieldbook_V2_Segment.protoMessageName: Fieldbook_V2_Segment.self,
    ]

    /// The v2 vectors mean the same changes as their v1 forms: the visit hashes as in the v1 vector, and
    /// the pulled pair reads back with its elided previous hash filled in from the message.
    @Test func v2VectorsCarryTheSameChangesAsV1() throws {
        func payload(_ name: String) throws -> [UInt8] {
            try Frame.decode(Array(try Data(contentsOf: Self.folder.appendingPathComponent("\(name).bin"))))
        }
        var budget = ProtocolLimits.maximumSegmentBytesPerAnswer
        let v1 = try Fieldbook_V1_PushRequest(serializedBytes: try payload("push_request_one_visit")).changes[0].decoded()
        let request = try Fieldbook_V2_SyncRequest(serializedBytes: try payload("v2_sync_request_one_visit"))
        var decoder = try V2ChangeDecoder(devices: request.devices, authors: request.authors)
        let v2 = try decoder.decode(request.changes[0]).change
        #expect(v2 == v1 && v2.hash == "370b06ae092230ae8789da06012aba8159e0f1314716ecd676e04ff26cd0f204" && v2.hashIsValid)
        let answer = try Fieldbook_V2_SyncResponse(serializedBytes: try payload("v2_sync_response_pulled"))
        #expect(answer.changes[1].previousHash.isEmpty)
        var answerDecoder = try V2ChangeDecoder(devices: answer.devices, authors: answer.authors)
        let pulled = try answer.changes.map { try answerDecoder.decode($0) }
        #expect(pulled.allSatisfy { $0.change.hashIsValid })
        #expect(pulled[1].change.previousHash == pulled[0].change.hash)
        #expect(pulled.map(\.receivedAt) == ["2026-11-20T16:42:48.001Z", "2026-11-20T16:43:48.020Z"])
        // The segment holds the same two changes, and the arrival answer carries the segment's very frame.
        let segment = try ReceivedSegment.read(Array(try Data(contentsOf: Self.folder.appendingPathComponent("v2_segment_pulled.bin"))),
                                               held: ["LA-1043"], budget: &budget)
        #expect(segment.changes.map(\.change) == pulled.map(\.change) && segment.lastCursor == 1302)
        let arrival = try Fieldbook_V2_SyncResponse(serializedBytes: try payload("v2_sync_response_arrival"))
        #expect(arrival.segments.map { Array($0) } == [Array(try Data(contentsOf: Self.folder.appendingPathComponent("v2_segment_pulled.bin")))])
        // The bytes a third party compares against.
        print("v2 vectors: \(pulled.map { "\($0.change.id) \($0.change.hash)" })")
    }
}
