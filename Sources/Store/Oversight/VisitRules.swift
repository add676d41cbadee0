/// How often each category of case must be visited. Defaults follow the Care Planning, Placement and Case
/// Review (England) Regulations 2010 (reg 28) for looked-after children, the private fostering regulations,
/// and typical local standards for child protection and children in need; a council's administrator may
/// change the local ones.
public struct VisitRules: Sendable, Equatable {
    /// CLA: first visit within this many days of a placement starting.
    public var lookedAfterFirstVisitDays = 7
    /// CLA: at most this many days apart in the placement's first year (and after, unless long-term).
    public var lookedAfterIntervalDays = 42
    /// CLA: at most this many months apart after the first year of a long-term placement.
    public var lookedAfterLongTermMonths = 3
    /// CP: at most this many working days apart.
    public var childProtectionWorkingDays = 10
    /// CIN: at most this many weeks apart.
    public var childInNeedWeeks = 6
    /// PF: first visit within this many working days of notification.
    public var privateFosteringFirstWorkingDays = 7
    /// PF: at most this many weeks apart in the first year, and after it.
    public var privateFosteringFirstYearWeeks = 6
    public var privateFosteringLaterWeeks = 12
    public var calendar = WorkingCalendar.englandAndWales

    public init() {}

    public static let defaults = VisitRules()
}
