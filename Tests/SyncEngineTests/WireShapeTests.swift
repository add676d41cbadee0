import Central
import CentralSQLite
import ClientSync
import Foundation
import SwiftProtobuf
import SyncProtocol
import Testing

/// Lists are counted on the wire, before a message is built, at every depth and in all (issue 11, item 16).
/// Before, a push's changes were counted only once SwiftProtobuf had built all of them: 16.7 million empty
/// changes in a 32 KiB body took the peer to 3.8 GB. `PeerResourceBoundsTests` measures the peer's memory.
@Suite struct WireShapeTests {
    /// A field `number` holding `payload` (length-delimited).
    private func field(_ number: UInt64, _ payload: [UInt8]) -> [UInt8] {
        varint(number << 3 | 2) + varint(UInt64(payload.count)) + payload
    }

    private func varint(_ value: UInt64) -> [UInt8] {
        var value = value
        var out: [UInt8] = []
        repeat {
            out.append(UInt8(value & 0x7F) | (value >= 0x80 ? 0x80 : 0))
            value >>= 7
        } while value > 0
        return out
    }

    private func decode<M: BoundedMessage>(_ type: M.Type, _ message: [UInt8]) throws -> M {
        try MessageCodec.decode(type, from: try Frame.encode(message))
    }

    @Test func aPushWithMoreChangesThanTheLimitIsRefusedBeforeItIsBuilt() throws {
        let emptyChanges = Array(repeating: field(1, []), count: ProtocolLimits.maximumPushChanges + 1).flatMap { $0 }
        #expect(throws: ProtocolError.tooLarge("a push has more than 1000 changes")) {
            try decode(Fieldbook_V1_PushRequest.self, emptyChanges)
        }
        let atTheLimit = Array(repeating: field(1, []), count: ProtocolLimits.maximumPushChanges).flatMap { $0 }
        #expect(try decode(Fieldbook_V1_PushRequest.self, atTheLimit).changes.count == 1000)
    }

    @Test func listsInsideAChangeAreCountedToo() throws {
        let writes = Array(repeating: field(9, []), count: ProtocolLimits.maximumWritesPerChange + 1).flatMap { $0 }
        #expect(throws: ProtocolError.malformedMessage("a change has more than 64 field writes")) {
            try decode(Fieldbook_V1_PushRequest.self, field(1, writes))
        }
        let supersedes = Array(repeating: field(3, []), count: ProtocolLimits.maximumVersionList + 1).flatMap { $0 }
        #expect(throws: ProtocolError.malformedMessage("a field write has more than 4096 superseded versions")) {
            try decode(Fieldbook_V1_PushRequest.self, field(1, field(9, supersedes)))
        }
        let heldCases = Array(repeating: field(3, []), count: ProtocolLimits.maximumCaseIDs + 1).flatMap { $0 }
        #expect(throws: ProtocolError.tooLarge("a pull has more than 10000 held cases")) {
            try decode(Fieldbook_V1_PullRequest.self, heldCases)
        }
    }

    /// Every list within its own limit, but 16 million ids in all, was 713 MiB on the peer.
    @Test func allListsTogetherAreBounded() throws {
        let write = field(9, field(1, Array("body".utf8)) + Array(repeating: field(3, []), count: 4096).flatMap { $0 })
        let change = field(1, write)
        let count = ProtocolLimits.maximumMessageElements / 4098 + 1
        #expect(throws: ProtocolError.tooLarge("the message holds more than 300000 list elements in all")) {
            try decode(Fieldbook_V1_PushRequest.self, Array(repeating: change, count: count).flatMap { $0 })
        }
        #expect(try decode(Fieldbook_V1_PushRequest.self, Array(repeating: change, count: count - 1).flatMap { $0 }).changes.count == count - 1)
    }

    /// The protobuf rules merge a singular field sent twice, concatenating its lists: they are counted together.
    @Test func aSingularFieldSentTwiceIsCountedOnce() throws {
        let settings = Array(repeating: field(2, []), count: 200).flatMap { $0 }
        #expect(throws: ProtocolError.tooLarge("a rule set has more than 256 settings")) {
            try decode(Fieldbook_V1_PullResponse.self, field(7, settings) + field(7, settings))
        }
        #expect(try decode(Fieldbook_V1_PullResponse.self, field(7, settings)).rules.settings.count == 200)
    }

    @Test func malformedWireFormatIsRefusedNotTrusted() {
        let cases: [(String, [UInt8])] = [
            ("truncated number", [0x08, 0x80]),
            ("overlong number", [0x08] + Array(repeating: 0xFF, count: 11)),
            ("length past the end", [0x0A, 0x05, 0x00]),
            ("a group", [0x0B, 0x0C]),
            ("field number 0", [0x02, 0x00]),
        ]
        for (name, bytes) in cases {
            #expect(throws: ProtocolError.self, "\(name)") { try decode(Fieldbook_V1_PushRequest.self, bytes) }
        }
    }

    @Test func anEnrolmentIsSmall() throws {
        var request = Fieldbook_V1_EnrolRequest()
        request.deviceName = String(repeating: "x", count: ProtocolLimits.maximumEnrolmentBytes)
        #expect(throws: ProtocolError.tooLarge("the message declares 4099 bytes; the limit is 4096")) {
            try MessageCodec.decode(Fieldbook_V1_EnrolRequest.self, from: try MessageCodec.encode(request))
        }
    }
}
