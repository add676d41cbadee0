import Foundation
import Seeded
import Testing
@testable import Store

@Suite struct ValueTests {
    let london = TimeZone(identifier: "Europe/London") ?? .current
    let now = ISO8601DateFormatter().date(from: "2026-07-01T12:00:00Z") ?? Date()

    private func occurrence(_ text: String) -> String?? {
        FieldKind.occurrence.normalise(text, context: ValueContext(now: now, timeZone: london))
    }

    @Test func occurrenceTimesAreReadInLocalTimeAndStoredInUTC() {
        #expect(occurrence("2026-07-01T09:30") == .some("2026-07-01T08:30:00Z"), "British Summer Time is UTC+1")
        #expect(occurrence("2026-01-15 09:30") == .some("2026-01-15T09:30:00Z"))
        #expect(occurrence("2026-07-01T09:30Z") == .some("2026-07-01T09:30:00Z"))
        #expect(occurrence("2026-06-30") == .some("2026-06-30"))
        #expect(occurrence("today") == .some("2026-07-01"))
        #expect(occurrence("2024-02-29") == .some("2024-02-29"))
    }

    @Test func impossibleAndFutureOccurrencesAreRefused() {
        #expect(occurrence("2025-02-29") == nil)
        #expect(occurrence("2026-13-01") == nil)
        #expect(occurrence("2026-07-02") == nil)
        #expect(occurrence("2026-07-01T14:30") == nil)
        #expect(occurrence("2026-07-01T25:00") == nil)
        #expect(occurrence("1/7/2026") == nil)
        #expect(occurrence("") == .some(nil))
    }

    @Test func theClockNeverRunsBackwards() {
        let start = HLC(milliseconds: 1000, counter: 0)
        #expect(HLC.next(after: start, wallMilliseconds: 2000) == HLC(milliseconds: 2000, counter: 0))
        #expect(HLC.next(after: start, wallMilliseconds: 1000) == HLC(milliseconds: 1000, counter: 1))
        #expect(HLC.next(after: start, wallMilliseconds: 10) == HLC(milliseconds: 1000, counter: 1), "wall clock went back")
        #expect(HLC.next(after: HLC(milliseconds: 1000, counter: 0xFFFF), wallMilliseconds: 10) == HLC(milliseconds: 1001, counter: 0))
        #expect(HLC(milliseconds: 1_790_000_000_123, counter: 2).description == "2026-09-21T14:13:20.123Z+2")
    }

    @Test func changeIDsRoundTripThroughText() {
        let id = ChangeID(deviceID: "0a1b2c3d-aaaa-bbbb-cccc-123456789abc", seq: 42)
        #expect(ChangeID(id.description) == id)
        #expect(ChangeID("nodevice") == nil)
        #expect(ChangeID(":3") == nil)
        #expect(ChangeID("dev:0") == nil)
    }

    @Test func uuidv7IsTimeOrderedAndWellFormed() {
        var rng = SplitMix64(seed: 1)
        let early = UUIDv7.make(milliseconds: 1_790_000_000_000, using: &rng)
        let late = UUIDv7.make(milliseconds: 1_790_000_000_001, using: &rng)
        #expect(early < late)
        #expect(early.count == 36)
        #expect(Array(early)[14] == "7")
        #expect(UUID(uuidString: early) != nil)
    }

    @Test func theCanonicalEncodingIsStable() {
        // A golden hash: if this changes, every stored chain breaks. Change the encoding's version instead.
        let change = Change(id: ChangeID(deviceID: "device-a", seq: 1), hlc: HLC(rawValue: 7), recordedAt: "2026-11-20T12:00:00.000Z",
                            author: "sam", recordID: "r1", recordType: .note, caseID: "LA-1", kind: .create,
                            writes: [FieldWrite(field: "body", value: "hello", supersedes: []),
                                     FieldWrite(field: "status", value: "draft", supersedes: [])],
                            sealed: [], previousHash: Change.genesisHash)
        #expect(CanonicalEncoding.bytes(of: change).prefix(4) == Array("FBC1".utf8)[...])
        #expect(change.hash == Self.goldenHash)
    }

    static let goldenHash = "1df5452cc649ba0e2b20e3adcbe04d24b1c6cc9db4b2fbc62d6cc6eda39489c9"
}
