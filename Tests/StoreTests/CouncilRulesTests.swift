import Foundation
import Testing
@testable import Store

/// Council rules: validation, their stored form, and the store counting with the rules it holds.
@Suite struct CouncilRulesTests {
    @Test func settingsAreValidatedByNameAndRange() throws {
        var rules = CouncilRules.defaults
        #expect(rules.namedValues.count == CouncilRules.settings.count)
        #expect(CouncilRules.settings.allSatisfy { rules.value(of: $0.name) == $0.defaultValue }, "defaults match the shipped rules")
        try rules.set("cp.working-days", to: 8)
        #expect(rules.visits.childProtectionWorkingDays == 8)
        try rules.set("late.statutory-working-days", to: 0)
        #expect(rules.recording.statutoryVisitWorkingDays == 0)
        #expect(throws: RulesError.self) { try rules.set("cp.working-days", to: 0) }
        #expect(throws: RulesError.self) { try rules.set("cp.workingdays", to: 8) }
        #expect(rules.visits.childProtectionWorkingDays == 8, "a refused change leaves the rules as they were")
    }

    @Test func theStoredFormRoundTripsAndSkipsNamesFromANewerPeer() throws {
        var rules = CouncilRules(version: 3)
        try rules.set("cin.weeks", to: 4)
        rules.holidays.insert(try #require(CivilDate("2031-01-01")))
        let back = try CouncilRules(jsonText: rules.jsonText())
        #expect(back == rules)
        #expect(back.recording.calendar == back.visits.calendar, "one holiday list for deadlines and recording standards")

        let newer = try CouncilRules(version: 4, values: [("cin.weeks", 5), ("someday.new-rule", 9)], holidays: ["2027-05-03"])
        #expect(newer.visits.childInNeedWeeks == 5)
        #expect(newer.unrecognised == ["someday.new-rule": 9], "kept aside, not counted with")
        #expect(try CouncilRules(jsonText: newer.jsonText()).digest == newer.digest, "stored and read back, the peer's digest still")
        #expect(newer.visits.childProtectionWorkingDays == 10, "a setting left out keeps its default")
        #expect(newer.holidays == Set([CivilDate("2027-05-03")].compactMap { $0 }), "the list sent replaces the shipped one")

        #expect(throws: RulesError.self) { try CouncilRules(version: 1, values: [("cin.weeks", 0)], holidays: []) }
        #expect(throws: RulesError.self) { try CouncilRules(version: 1, values: [], holidays: ["2027-02-29"]) }
        #expect(throws: RulesError.self) { try CouncilRules(version: 1, values: [], holidays: ["2027-05-03T00:00:00Z"]) }
        #expect(throws: RulesError.self) {
            try CouncilRules(version: 1, values: [], holidays: Array(repeating: "2027-05-03", count: CouncilRules.maximumHolidays + 1))
        }
        #expect(throws: RulesError.self) { try CouncilRules(jsonText: "{\"version\": 1}") }
        #expect(throws: RulesError.self) { try CouncilRules(version: 1, values: [(String(repeating: "x", count: 65), 1)], holidays: []) }
    }

    @Test func theStoreCountsWithTheRulesThePeerSentLast() throws {
        let folder = try TemporaryFolder()
        let store = try CaseStore.temporary(in: folder, clock: TestClock("2026-11-23T12:00:00Z"))
        try store.addCase(id: "CIN-1", values: [("child", "C"), ("dob", "2013-01-01"), ("category", "CIN"), ("plan_start", "2026-11-02")])
        #expect(try store.councilRules() == .defaults)
        #expect(try store.receivedCouncilRules() == nil, "none received")
        #expect(try store.caseload().first?.deadline?.due == CivilDate("2026-12-14"))

        var rules = CouncilRules(version: 2)
        try rules.set("cin.weeks", to: 3)
        try store.applyPulled([], receivedAt: [:], cursor: 0, rules: rules)
        #expect(try store.councilRules() == rules)
        #expect(try store.caseload().first?.deadline?.due == CivilDate("2026-11-23"))
        #expect(try store.caseload().first?.deadline?.rule == "every 3 weeks")

        #expect(try store.receivedCouncilRules()?.digest == rules.digest)
        // A peer restored from a backup starts its versions again: what it sends still replaces what was held.
        var restored = CouncilRules(version: 1)
        try restored.set("cin.weeks", to: 8)
        #expect(restored.digest != rules.digest)
        try store.applyPulled([], receivedAt: [:], cursor: 0, rules: restored)
        #expect(try store.councilRules() == restored)
        try store.applyPulled([], receivedAt: [:], cursor: 0, rules: rules)

        let reopened = try store.reopened(as: "sam")
        #expect(try reopened.councilRules() == rules, "kept in the store file")
    }
}
