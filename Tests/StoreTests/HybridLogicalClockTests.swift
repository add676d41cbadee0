import Foundation
import Testing
@testable import Store

/// The hybrid logical clock never overflows, whatever it was fed: a remote clock at the top of its range
/// (issue 11, item 6).
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
}
