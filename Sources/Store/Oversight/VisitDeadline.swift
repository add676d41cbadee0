/// When a child must next be seen, and why.
public struct VisitDeadline: Sendable, Equatable {
    /// The last date by which a statutory visit (child seen) must happen.
    public let due: CivilDate
    /// The rule applied, in words: "first visit within 7 days of the placement starting".
    public let rule: String
    /// The last visit where the child was seen, counted from; `nil` before the first.
    public let lastSeen: CivilDate?

    /// Days past the due date on `today` (0 when not overdue).
    public func daysOverdue(on today: CivilDate) -> Int { max(0, due.days(until: today)) }
    public func daysLeft(on today: CivilDate) -> Int { today.days(until: due) }

    /// The next statutory visit for a case.
    ///
    /// - Parameters:
    ///   - category: CLA, CP, CIN or PF.
    ///   - start: the placement start (CLA), plan start (CP, CIN) or notification date (PF). Visits before
    ///     it do not count: a new placement or plan restarts the clock.
    ///   - longTerm: a CLA placement intended to last until the child is 18.
    ///   - seenVisits: dates of visits where the child was seen.
    /// - Returns: `nil` when there is nothing to count from (no start date) or the category is unknown.
    public static func next(category: String, start: CivilDate?, longTerm: Bool, seenVisits: [CivilDate],
                            rules: VisitRules = .defaults) -> VisitDeadline? {
        guard let start else { return nil }
        let last = seenVisits.filter { $0 >= start }.max()
        let firstYearEnds = start.adding(months: 12)
        switch category {
        case "CLA":
            guard let last else {
                return VisitDeadline(due: start.adding(days: rules.lookedAfterFirstVisitDays),
                                     rule: "first visit within \(rules.lookedAfterFirstVisitDays) days of the placement starting", lastSeen: nil)
            }
            if last < firstYearEnds || !longTerm {
                let due = last.adding(days: rules.lookedAfterIntervalDays)
                return VisitDeadline(due: due, rule: "at most \(rules.lookedAfterIntervalDays / 7) weeks apart"
                                     + (last < firstYearEnds ? " in the placement's first year" : ""), lastSeen: last)
            }
            return VisitDeadline(due: last.adding(months: rules.lookedAfterLongTermMonths),
                                 rule: "at most \(rules.lookedAfterLongTermMonths) months apart (long-term placement)", lastSeen: last)
        case "CP":
            let base = last ?? start
            return VisitDeadline(due: rules.calendar.adding(workingDays: rules.childProtectionWorkingDays, to: base),
                                 rule: "every \(rules.childProtectionWorkingDays) working days", lastSeen: last)
        case "CIN":
            let base = last ?? start
            return VisitDeadline(due: base.adding(days: rules.childInNeedWeeks * 7),
                                 rule: "every \(rules.childInNeedWeeks) weeks", lastSeen: last)
        case "PF":
            guard let last else {
                return VisitDeadline(due: rules.calendar.adding(workingDays: rules.privateFosteringFirstWorkingDays, to: start),
                                     rule: "first visit within \(rules.privateFosteringFirstWorkingDays) working days of notification", lastSeen: nil)
            }
            let weeks = last < firstYearEnds ? rules.privateFosteringFirstYearWeeks : rules.privateFosteringLaterWeeks
            return VisitDeadline(due: last.adding(days: weeks * 7),
                                 rule: "at most \(weeks) weeks apart" + (last < firstYearEnds ? " in the first year" : " after the first year"),
                                 lastSeen: last)
        default:
            return nil
        }
    }
}
