import Testing
@testable import Store

/// Visit deadlines against worked dates (DESIGN.md, "Data model pointers").
@Suite struct VisitDeadlineTests {
    private func day(_ text: String) -> CivilDate {
        CivilDate(text) ?? CivilDate(dayNumber: 0)
    }

    @Test func civilDatesCountDaysMonthsAndWeekdays() {
        #expect(day("1970-01-01").dayNumber == 0)
        #expect(day("2026-11-23").weekday == 1, "a Monday")
        #expect(day("2028-02-28").adding(days: 1) == day("2028-02-29"))
        #expect(day("2027-02-28").adding(days: 1) == day("2027-03-01"))
        #expect(day("2026-01-31").adding(months: 1) == day("2026-02-28"))
        #expect(day("2027-11-30").adding(months: 3) == day("2028-02-29"))
        #expect(day("2026-12-31").adding(days: 1) == day("2027-01-01"))
        #expect(CivilDate("2026-02-29") == nil)
        #expect(CivilDate("2026-11-20T15:30:00Z") == day("2026-11-20"))
    }

    @Test func childProtectionCountsWorkingDaysPastEaster() {
        // Plan starts Wed 1 April 2026; Good Friday (3rd) and Easter Monday (6th) are not working days.
        let deadline = VisitDeadline.next(category: "CP", start: day("2026-04-01"), longTerm: false, seenVisits: [])
        #expect(deadline?.due == day("2026-04-17"))
        #expect(deadline?.rule == "every 10 working days")
    }

    @Test func childProtectionCountsWorkingDaysOverChristmasAndTheYearEnd() {
        // Seen Fri 18 Dec 2026; Boxing Day falls on a Saturday, so Monday 28th is the substitute holiday.
        let deadline = VisitDeadline.next(category: "CP", start: day("2026-10-01"), longTerm: false, seenVisits: [day("2026-12-18")])
        #expect(deadline?.due == day("2027-01-06"))
        #expect(deadline?.lastSeen == day("2026-12-18"))
    }

    @Test func lookedAfterFirstVisitWithinAWeekThenSixWeekly() {
        let start = day("2026-11-16")
        #expect(VisitDeadline.next(category: "CLA", start: start, longTerm: false, seenVisits: [])?.due == day("2026-11-23"))
        // A visit on the due date meets it; the next is due six weeks later.
        let after = VisitDeadline.next(category: "CLA", start: start, longTerm: false, seenVisits: [day("2026-11-23")])
        #expect(after?.due == day("2027-01-04"))
        #expect(after?.daysOverdue(on: day("2026-11-23")) == 0)
        #expect(after?.daysOverdue(on: day("2027-01-10")) == 6)
        #expect(after?.daysLeft(on: day("2027-01-01")) == 3)
    }

    @Test func lookedAfterAfterTheFirstYearDependsOnLongTerm() {
        let start = day("2025-01-10")
        let seen = [day("2025-12-01"), day("2026-02-01")]
        #expect(VisitDeadline.next(category: "CLA", start: start, longTerm: true, seenVisits: seen)?.due == day("2026-05-01"))
        #expect(VisitDeadline.next(category: "CLA", start: start, longTerm: false, seenVisits: seen)?.due == day("2026-03-15"))
        // Still in the first year: six weeks even for a long-term placement.
        #expect(VisitDeadline.next(category: "CLA", start: start, longTerm: true, seenVisits: [day("2025-12-01")])?.due == day("2026-01-12"))
    }

    @Test func aLongTermIntervalCanEndOnALeapDay() {
        let deadline = VisitDeadline.next(category: "CLA", start: day("2026-01-01"), longTerm: true, seenVisits: [day("2027-11-30")])
        #expect(deadline?.due == day("2028-02-29"))
    }

    @Test func aNewPlacementRestartsTheClock() {
        // Seen on 25 October in the old placement; the new one started on 1 November.
        let deadline = VisitDeadline.next(category: "CLA", start: day("2026-11-01"), longTerm: false, seenVisits: [day("2026-10-25")])
        #expect(deadline?.due == day("2026-11-08"))
        #expect(deadline?.lastSeen == nil)
    }

    @Test func privateFosteringFirstVisitInWorkingDaysThenWeeks() {
        // Notified Thu 24 Dec 2026: Christmas, the Boxing Day substitute and New Year's Day do not count.
        #expect(VisitDeadline.next(category: "PF", start: day("2026-12-24"), longTerm: false, seenVisits: [])?.due == day("2027-01-07"))
        #expect(VisitDeadline.next(category: "PF", start: day("2026-01-05"), longTerm: false, seenVisits: [day("2026-06-01")])?.due == day("2026-07-13"))
        #expect(VisitDeadline.next(category: "PF", start: day("2025-01-05"), longTerm: false, seenVisits: [day("2026-06-01")])?.due == day("2026-08-24"))
    }

    @Test func childInNeedEverySixWeeksAcrossTheYearEnd() {
        #expect(VisitDeadline.next(category: "CIN", start: day("2026-09-01"), longTerm: false, seenVisits: [day("2026-12-31")])?.due == day("2027-02-11"))
        #expect(VisitDeadline.next(category: "CIN", start: nil, longTerm: false, seenVisits: []) == nil)
    }

    @Test func rulesAreConfigurable() {
        var rules = VisitRules()
        rules.childProtectionWorkingDays = 5
        rules.calendar = WorkingCalendar(holidays: [day("2026-11-25")])
        // Mon 23 Nov + 5 working days, skipping the configured holiday on Wednesday.
        #expect(VisitDeadline.next(category: "CP", start: day("2026-11-23"), longTerm: false, seenVisits: [], rules: rules)?.due == day("2026-12-01"))
    }
}
