import Foundation
import Testing
@testable import Store

/// The caseload's deadlines from real records in a store file.
@Suite struct CaseloadTests {
    @Test func onlySeenVisitsThatStandCountAndTheMostUrgentComeFirst() throws {
        let folder = try TemporaryFolder()
        let store = try CaseStore.temporary(in: folder, clock: TestClock("2026-11-23T12:00:00Z"))
        try store.addCase(id: "CP-1", values: [("child", "A"), ("dob", "2015-01-01"), ("category", "CP"), ("plan_start", "2026-10-01")])
        try store.addCase(id: "CLA-1", values: [("child", "B"), ("dob", "2012-01-01"), ("category", "CLA"), ("placement_start", "2026-11-20")])
        try store.addCase(id: "CIN-1", values: [("child", "C"), ("dob", "2013-01-01"), ("category", "CIN")])
        // CP-1: seen (not alone) on 2 Nov; a later visit where the child was not seen; a deleted one.
        _ = try store.addVisit(caseID: "CP-1", values: [("date", "2026-11-02"), ("type", "statutory"), ("seen", "yes"), ("alone", "no"), ("alone_reason", "refused")])
        _ = try store.addVisit(caseID: "CP-1", values: [("date", "2026-11-12"), ("type", "statutory"), ("seen", "no")])
        let mistaken = try store.addVisit(caseID: "CP-1", values: [("date", "2026-11-13"), ("type", "statutory"), ("seen", "yes"), ("alone", "yes")])
        try store.delete(mistaken, reason: "recorded on the wrong child")

        let caseload = try store.caseload()
        #expect(caseload.map(\.caseID) == ["CP-1", "CLA-1", "CIN-1"])
        let cp = try #require(caseload.first)
        #expect(cp.deadline?.due == CivilDate("2026-11-16"), "10 working days after the visit where the child was seen")
        #expect(cp.daysOverdue(on: store.today) == 7)
        #expect(cp.lastVisit == CivilDate("2026-11-12"))
        #expect(cp.lastSeenAlone == nil)
        #expect(caseload[1].deadline?.due == CivilDate("2026-11-27"))
        #expect(caseload[2].deadline == nil, "no plan start: nothing to count from")
    }

    @Test func aLongTermFlagChangesTheIntervalAfterTheFirstYear() throws {
        let folder = try TemporaryFolder()
        let store = try CaseStore.temporary(in: folder, clock: TestClock("2026-11-23T12:00:00Z"))
        try store.addCase(id: "CLA-2", values: [("child", "D"), ("dob", "2012-01-01"), ("category", "CLA"), ("placement_start", "2025-01-10")])
        _ = try store.addVisit(caseID: "CLA-2", values: [("date", "2026-10-01"), ("type", "statutory"), ("seen", "yes")])
        #expect(try store.caseload().first?.deadline?.due == CivilDate("2026-11-12"))
        _ = try store.edit("CLA-2", values: [("long_term", "yes")])
        #expect(try store.caseload().first?.deadline?.due == CivilDate("2027-01-01"))
    }
}
