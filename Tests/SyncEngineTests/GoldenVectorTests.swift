import Foundation
import Store
import SwiftProtobuf
import SyncEngine
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
        ]
    }

    @Test func vectorsDecodeToTheirMeaningAndReencode() throws {
        let write = ProcessInfo.processInfo.environment["FIELDBOOK_WRITE_VECTORS"] == "1"
        var index: [Vector] = []
        for (name, description, message, compressed) in try Self.messages() {
            let json = try message.jsonString()
            let file = Self.folder.appendingPathComponent("\(name).bin")
            if write {
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
        #expect(stored.count == 6)
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
    ]
}
