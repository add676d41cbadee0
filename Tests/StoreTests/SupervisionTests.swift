import Foundation
import Testing
@testable import Store

/// `late`, `not-seen-alone` and `team` from real records, with a fixed clock.
@Suite struct SupervisionTests {
    @Test func lateRecordingsNotSeenAloneAndTheTeamLine() throws {
        let folder = try TemporaryFolder()
        let clock = TestClock("2026-11-23T12:00:00Z")
        let store = try CaseStore(path: folder.path("s.sqlite"), author: "sam", clock: { clock.date },
                                  timeZone: TimeZone(identifier: "Europe/London") ?? .current)
        try store.addCase(id: "CP-1", values: [("child", "Amy"), ("dob", "2015-01-01"), ("category", "CP"), ("plan_start", "2026-10-01")])
        // Statutory visit on Wed 18 Nov, written Mon 23 Nov: 2 working days allowed (to Fri 20th), 1 late.
        let late = try store.addVisit(caseID: "CP-1", values: [("date", "2026-11-18T10:00"), ("type", "statutory"), ("seen", "yes"),
                                                              ("alone", "no"), ("alone_reason", "refused")])
        // A planned visit on Fri 20 Nov: 5 working days allowed, on time.
        _ = try store.addVisit(caseID: "CP-1", values: [("date", "2026-11-20"), ("type", "planned"), ("seen", "yes"), ("alone", "no"),
                                                       ("alone_reason", "inappropriate")])
        let lateRecords = try store.lateRecordings()
        #expect(lateRecords.map(\.recordID) == [late])
        #expect(lateRecords.first?.deadline == CivilDate("2026-11-20"))
        #expect(lateRecords.first?.workingDaysLate == 1)

        let notAlone = try store.notSeenAlone(visits: 2)
        #expect(notAlone.map(\.caseID) == ["CP-1"])
        #expect(notAlone.first?.visits.map(\.reason) == ["inappropriate", "refused"])
        #expect(try store.notSeenAlone(visits: 3).isEmpty, "only two visits so far")

        let team = try store.teamSummary()
        #expect(team == [WorkerSummary(worker: "sam", cases: 1, overdue: 0, drafts: 2, late: 1, conflicts: 0)])
    }

    @Test func aVisitJustAfterMidnightInSummerTimeCountsOnItsLocalDay() throws {
        let folder = try TemporaryFolder()
        let clock = TestClock("2026-07-10T12:00:00Z")
        let store = try CaseStore(path: folder.path("s.sqlite"), author: "sam", clock: { clock.date },
                                  timeZone: TimeZone(identifier: "Europe/London") ?? .current)
        try store.addCase(id: "CIN-1", values: [("child", "Bo"), ("dob", "2015-01-01"), ("category", "CIN"), ("plan_start", "2026-06-01")])
        // 00:30 BST on 1 July is 23:30 UTC on 30 June.
        _ = try store.addVisit(caseID: "CIN-1", values: [("date", "2026-07-01T00:30"), ("type", "planned"), ("seen", "yes")])
        #expect(try store.caseload().first?.lastVisit == CivilDate("2026-07-01"))
        #expect(try store.caseload().first?.deadline?.due == CivilDate("2026-08-12"))
    }
}

@Suite struct OversightEntryTests {
    @Test func oversightIsFinalAtOnceAttributedAndInTheChronology() throws {
        let folder = try TemporaryFolder()
        let store = try CaseStore.temporary(in: folder, author: "priya")
        try store.seedCase()
        let id = try store.addOversight(caseID: "LA-1001", body: "Discussed in supervision: visit frequency to rise to weekly.")
        let state = try store.snapshot(id).state
        #expect(state.status == .final)
        #expect(state.creation?.author == "priya")
        #expect(throws: StoreError.self) { _ = try store.edit(id, values: [("body", "changed")]) }
        #expect(try store.chronology("LA-1001").map(\.summary) == ["oversight: Discussed in supervision: visit frequency to rise to weekly."])
        let viewed = try ReadOnlyQuery.run(path: store.path, sql: "SELECT author, body FROM oversight")
        #expect(viewed.rows == [[.text("priya"), .text("Discussed in supervision: visit frequency to rise to weekly.")]])
        // An enrolled worker cannot record oversight.
        try store.saveEnrolment(serverURL: "http://x", token: "t", user: "priya", role: "worker", team: nil)
        #expect(throws: StoreError.self) { _ = try store.addOversight(caseID: "LA-1001", body: "x") }
    }
}
