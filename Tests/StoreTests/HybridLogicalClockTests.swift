import Foundation
import Testing
@testable import Store

/// The hybrid logical clock never overflows and never runs backwards, whatever it was fed: a remote clock at
/// the top of its range, or a purge that took the highest timestamps off the device (issue 11, items 6–7).
@Suite struct HybridLogicalClockTests {
    /// A change of another device on `caseID`, with a valid hash, as a pull would deliver it.
    private func remoteNote(caseID: String, hlc: HLC, seq: Int64 = 1) -> Change {
        Change(id: ChangeID(deviceID: "other-device", seq: seq), hlc: hlc, recordedAt: "2026-11-20T12:00:00.000Z",
               author: "priya", recordID: "remote-\(caseID)-\(seq)", recordType: .note, caseID: caseID, kind: .create,
               writes: [FieldWrite(field: "body", value: "from elsewhere", supersedes: []),
                        FieldWrite(field: "status", value: "draft", supersedes: [])],
               sealed: [], previousHash: Change.genesisHash)
    }

    private func latestOwnHLC(_ store: CaseStore) throws -> HLC {
        try store.pool.read { db in
            HLC(rawValue: try Int64.fetchOne(db, sql: "SELECT hlc FROM change_log WHERE device_id = ? ORDER BY seq DESC LIMIT 1",
                                             arguments: [store.deviceID]) ?? 0)
        }
    }

    /// Found in review: a counter exhausted at the top millisecond carried into the sign bit.
    @Test func theClockSaturatesAtTheTopOfItsRange() {
        let top = HLC(rawValue: .max)
        #expect(HLC.next(after: top, wallMilliseconds: 1_790_000_000_000) == top, "stays at the top, never wraps")
        #expect(HLC.next(after: top, wallMilliseconds: .max) == top)
        let belowTop = HLC(rawValue: .max - 1)
        #expect(HLC.next(after: belowTop, wallMilliseconds: 0) == top)
        #expect(HLC.next(after: .zero, wallMilliseconds: .max).rawValue > 0, "a wall clock past the range is clamped")
        #expect(HLC(milliseconds: .max, counter: 0).rawValue > 0)
        #expect(HLC(milliseconds: -5, counter: 3) == HLC(milliseconds: 0, counter: 3))
        #expect(!top.description.isEmpty)
    }

    /// A pulled change at the top of the clock's range: the device's next changes stay valid (positive, not
    /// below it) instead of carrying a wrapped clock that every later push and pull refuses.
    @Test func aRemoteClockAtTheTopDoesNotOverflowTheNextLocalChange() throws {
        let folder = try TemporaryFolder()
        let store = try CaseStore.temporary(in: folder)
        try store.seedCase("LA-1")
        try store.applyPulled([remoteNote(caseID: "LA-1", hlc: HLC(rawValue: .max))], receivedAt: [:], cursor: 1)
        for n in 1...2 {
            _ = try store.addNote(caseID: "LA-1", body: "note \(n) after the remote clock")
            let own = try latestOwnHLC(store)
            #expect(own.rawValue == .max, "saturated, not wrapped to \(own.rawValue)")
        }
        #expect(try store.verify().isIntact)
    }

    /// A purge removes the changes that held the highest timestamp; the next local change must still come
    /// after everything this device has seen, or it would sort before changes its writer had seen.
    @Test func aPurgeNeverMovesTheClockBackwards() throws {
        let folder = try TemporaryFolder()
        let clock = TestClock()
        let store = try CaseStore.temporary(in: folder, clock: clock)
        try store.seedCase("LA-1")
        let ahead = HLC(milliseconds: Timestamp.milliseconds(clock.date) + 3_600_000, counter: 7)
        try store.applyPulled([remoteNote(caseID: "LB-2", hlc: ahead)], receivedAt: [:], cursor: 1, revoked: ["LB-2"])
        #expect(try store.purgeCase("LB-2"))
        _ = try store.addNote(caseID: "LA-1", body: "written after the purge")
        let own = try latestOwnHLC(store)
        #expect(own > ahead, "the clock went back from \(ahead) to \(own)")

        // Also once the store is opened again.
        let reopened = try CaseStore.temporary(in: folder, clock: clock)
        _ = try reopened.addNote(caseID: "LA-1", body: "written after reopening")
        #expect(try latestOwnHLC(reopened) > ahead)
        #expect(try reopened.verify().isIntact)
    }
}
