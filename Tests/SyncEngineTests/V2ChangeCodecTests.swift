@testable import Central
@testable import CentralSQLite
@testable import ClientSync
import Foundation
import Store
@testable import SyncProtocol
import Testing

/// The v2 change form (SPEC.md §12.3): every change reads back as exactly the change its v1 form is, with the
/// same hash, and everything out of bounds is refused by name.
@Suite struct V2ChangeCodecTests {
    /// Changes of two devices with supersedes, seals, a cleared value and sequence numbers ≥ 10, in the order
    /// a pull would carry them.
    static func sampleChanges() -> [Change] {
        let clock = HandClock()
        let a = HandChain(deviceID: "4b02142f-90be-427f-a545-d59e9e3d4587", author: "sam.okafor", clock: clock)
        let b = HandChain(deviceID: "0193a2c4-7d55-7c1e-9e0b-5a7f3a9f2b11", author: "lee.ward", clock: clock)
        let visit = "01a209dc-d0a6-7e95-93c7-189136729da8"
        var changes: [Change] = []
        let create = a.make(.create, .visit, record: visit, case: "LA-1042",
                            writes: [write("occurred_at", "2026-11-20"), write("type", "statutory"), write("status", "draft")])
        changes.append(create)
        for index in 0..<10 {
            changes.append(a.make(.edit, .visit, record: visit, case: "LA-1042", writes: [write("wishes", "w\(index)", supersedes: [create.id])]))
        }
        let other = b.make(.edit, .visit, record: visit, case: "LA-1042", writes: [write("location", nil, supersedes: [create.id])])
        changes.append(other)
        changes.append(a.make(.finalise, .visit, record: visit, case: "LA-1042", writes: [write("status", "final", supersedes: [create.id])],
                              sealed: changes.map(\.id)))
        changes.append(b.make(.create, .note, record: newRecordID(), case: "LA-1043", writes: [write("body", "ünïcode ✓"), write("status", "draft")]))
        return changes
    }

    @Test func everyChangeReadsBackAsItsV1FormWithTheSameHash() throws {
        let changes = Self.sampleChanges()
        var encoder = V2ChangeEncoder()
        let messages = changes.map { encoder.encode($0, receivedAt: "2026-11-20T16:41:07.512Z", clockSkew: $0.id.seq == 3 ? 400_000 : nil) }
        // Through the wire: serialised and parsed, as a receiver sees them.
        var response = Fieldbook_V2_SyncResponse()
        response.changes = messages
        response.devices = encoder.tables.devices
        response.authors = encoder.tables.authors
        let parsed = try Fieldbook_V2_SyncResponse(serializedBytes: try response.serializedBytes() as [UInt8])
        var decoder = try V2ChangeDecoder(devices: parsed.devices, authors: parsed.authors)
        for (change, message) in zip(changes, parsed.changes) {
            let received = try decoder.decode(message)
            #expect(received.change == change)
            #expect(received.change.hash == change.hash && received.change.hashIsValid)
            #expect(try Fieldbook_V1_Change(change).decoded() == received.change, "the v1 form reads as the same change")
            #expect(received.receivedAt == "2026-11-20T16:41:07.512Z")
            #expect(received.clockSkew == (change.id.seq == 3 ? 400_000 : 0))
        }
        #expect(parsed.devices.count == 2 && parsed.authors.count == 2, "each device and author once")
    }

    @Test func thePreviousHashIsLeftOutExactlyWhenTheMessageGivesIt() throws {
        let changes = Self.sampleChanges()
        var encoder = V2ChangeEncoder()
        let messages = changes.map { encoder.encode($0) }
        for (change, message) in zip(changes, messages) {
            let first = change.id.seq == 1
            let follows = changes.last(where: { $0.id.deviceID == change.id.deviceID && $0.id.seq == change.id.seq - 1 }) != nil
            #expect(message.previousHash.isEmpty == (first || follows), "\(change.id)")
            #expect(message.hash.count == 32)
            #expect(!message.hasRecordedAtText && message.recordedAtMs > 0)
        }
        // Alone, a later change of a chain must carry its previous hash.
        var alone = V2ChangeEncoder()
        #expect(alone.encode(changes[5]).previousHash.count == 32)
    }

    @Test func textThatMillisecondsCannotReproduceTravelsVerbatim() throws {
        let odd = ["2026-11-20T16:41:07Z", "2026-11-20T16:41:07.5120Z", "1969-12-31T23:59:59.999Z", "2026-02-30T00:00:00.000Z",
                   "2026-11-20t16:41:07.512z", "not a time"]
        for text in odd {
            let change = Change(id: ChangeID(deviceID: "d", seq: 2), hlc: HLC(rawValue: 99), recordedAt: text, author: "sam",
                                recordID: newRecordID(), recordType: .note, caseID: "LA-1", kind: .create,
                                writes: [write("body", "x")], sealed: [], previousHash: String(repeating: "AB", count: 32))
            var encoder = V2ChangeEncoder()
            let message = encoder.encode(change, receivedAt: text)
            #expect(message.recordedAtText == text && message.receivedAtText == text)
            #expect(message.previousHashText == change.previousHash, "an upper-case hash is not a hash's bytes")
            var decoder = try V2ChangeDecoder(devices: encoder.tables.devices, authors: encoder.tables.authors)
            let received = try decoder.decode(message)
            #expect(received.change == change && received.change.hashIsValid, "\(text)")
        }
    }

    @Test func millisecondsRoundTripToTheStoresText() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5000 {
            let milliseconds = Int64.random(in: 0...WireTime.maximumMilliseconds, using: &generator)
            let text = Timestamp.iso8601(milliseconds: milliseconds)
            #expect(WireTime.milliseconds(text) == milliseconds, "\(text)")
        }
        #expect(WireTime.milliseconds("1970-01-01T00:00:00.000Z") == 0)
        #expect(WireTime.milliseconds("9999-12-31T23:59:59.999Z") == WireTime.maximumMilliseconds)
        #expect(WireTime.milliseconds("2026-11-20T24:00:00.000Z") == nil)
    }

    @Test func outOfBoundsPartsAreRefusedByName() throws {
        let change = Self.sampleChanges()[3]
        var encoder = V2ChangeEncoder()
        let good = encoder.encode(change)
        let tables = (devices: encoder.tables.devices, authors: encoder.tables.authors)
        func refusal(_ mutate: (inout Fieldbook_V2_Change) -> Void, devices: [String]? = nil) -> String? {
            var message = good
            mutate(&message)
            do {
                var decoder = try V2ChangeDecoder(devices: devices ?? tables.devices, authors: tables.authors)
                _ = try decoder.decode(message)
                return nil
            } catch let error as ProtocolError {
                #expect(error.code == "malformed_message")
                return error.message
            } catch {
                return "\(error)"
            }
        }
        #expect(refusal { _ in } == nil)
        #expect(refusal { $0.device = 1 }?.contains("names device 1 of a table of 1") == true)
        #expect(refusal { $0.author = 7 }?.contains("names author 7") == true)
        #expect(refusal { $0.writes[0].supersedes[0].device = 9 }?.contains("names device 9") == true)
        #expect(refusal { $0.hash = Data(repeating: 1, count: 31) }?.contains("exactly 32") == true)
        #expect(refusal { $0.previousHash = Data(repeating: 1, count: 64) }?.contains("exactly 32") == true)
        #expect(refusal { $0.previousHash = Data() }?.contains("leaves out its previous hash") == true)
        #expect(refusal { $0.seq = 0; $0.previousHash = Data() }?.contains("sequence number 0") == true)
        #expect(refusal { $0.recordedAtMs = -1 }?.contains("recorded_at") == true)
        #expect(refusal { $0.recordedAtMs = WireTime.maximumMilliseconds + 1 }?.contains("outside") == true)
        #expect(refusal { $0.kind = "explode" }?.contains("unknown kind") == true, "the v1 rules apply to the v1 form")
        #expect(refusal({ _ in }, devices: ["a:b"])?.contains("device table") == true)
        #expect(refusal({ _ in }, devices: [""])?.contains("device table") == true)
    }

    @Test func lackingRangesAreMergedAndBounded() throws {
        let ranges = SeqRanges([1, 2, 3, 7, 9, 10, 11])
        #expect(ranges.ranges == [1...3, 7...7, 9...11])
        #expect(ranges.contains(2) && !ranges.contains(4) && ranges.contains(11) && !ranges.contains(12))
        #expect(ranges.subtracting([1, 7, 10, 11]).ranges == [2...3, 9...9])
        #expect(try SeqRanges(wire: ranges.wire) == ranges)
        var backwards = Fieldbook_V2_SeqRange()
        backwards.first = 5
        backwards.last = 4
        #expect(throws: ProtocolError.self) { try SeqRanges(wire: [backwards]) }
        var zero = Fieldbook_V2_SeqRange()
        zero.last = 3
        #expect(throws: ProtocolError.self) { try SeqRanges(wire: [zero]) }
        var huge = Fieldbook_V2_SeqRange()
        huge.first = 1
        huge.last = UInt64(Int64.max) + 1
        #expect(throws: ProtocolError.self) { try SeqRanges(wire: [huge]) }
        var overlapping = [Fieldbook_V2_SeqRange(), Fieldbook_V2_SeqRange()]
        overlapping[0].first = 4; overlapping[0].last = 8
        overlapping[1].first = 1; overlapping[1].last = 5
        #expect(try SeqRanges(wire: overlapping).ranges == [1...8])
    }
}
