import Foundation

/// The visit and recording rules in force: what a council's administrator set on the central peer
/// (`fieldbook admin rules ...`), received by sync, or the shipped defaults before the first sync.
///
/// The rules travel as named whole-number settings plus a bank-holiday list, so a newer peer can add a
/// setting without breaking older devices: a name a device does not know is kept but not counted with,
/// and a setting the peer leaves out keeps its default.
public struct CouncilRules: Sendable, Equatable {
    /// 0 for the shipped defaults; the peer counts up with every change its administrator makes.
    public var version: UInt64
    public var visits: VisitRules
    public var recording: RecordingStandards
    /// Settings from a newer peer that this version does not know. Kept, so that the rules' ``digest``
    /// is the peer's: otherwise the device would look out of date, and be sent the rules, at every pull.
    public private(set) var unrecognised: [String: Int] = [:]

    public init(version: UInt64 = 0, visits: VisitRules = .defaults, recording: RecordingStandards = .defaults) {
        self.version = version
        self.visits = visits
        self.recording = recording
    }

    public static let defaults = CouncilRules()

    /// The days that are not working days besides weekends; shared by visit deadlines and recording
    /// standards.
    public var holidays: Set<CivilDate> {
        get { visits.calendar.holidays }
        set {
            visits.calendar = WorkingCalendar(holidays: newValue)
            recording.calendar = visits.calendar
        }
    }

    /// Every setting an administrator can change, in the order they are listed.
    public static let settings: [RuleSetting] = [
        RuleSetting("cla.first-visit-days", "Looked after: first visit within this many days of a placement starting", 7, 1...60),
        RuleSetting("cla.interval-days", "Looked after: at most this many days apart (first year, and after unless long-term)", 42, 1...366),
        RuleSetting("cla.long-term-months", "Looked after, long-term placement after its first year: at most this many months apart", 3, 1...12),
        RuleSetting("cp.working-days", "Child protection: at most this many working days apart", 10, 1...60),
        RuleSetting("cin.weeks", "Child in need: at most this many weeks apart", 6, 1...52),
        RuleSetting("pf.first-working-days", "Private fostering: first visit within this many working days of notification", 7, 1...60),
        RuleSetting("pf.first-year-weeks", "Private fostering: at most this many weeks apart in the first year", 6, 1...52),
        RuleSetting("pf.later-weeks", "Private fostering: at most this many weeks apart after the first year", 12, 1...52),
        RuleSetting("late.statutory-working-days", "A statutory visit is late when written up more than this many working days after it", 2, 0...60),
        RuleSetting("late.other-working-days", "Any other record is late when written up more than this many working days after it", 5, 0...60),
    ]

    public static func setting(named name: String) -> RuleSetting? { settings.first { $0.name == name } }

    /// The value of a named setting.
    public func value(of name: String) -> Int? {
        switch name {
        case "cla.first-visit-days": return visits.lookedAfterFirstVisitDays
        case "cla.interval-days": return visits.lookedAfterIntervalDays
        case "cla.long-term-months": return visits.lookedAfterLongTermMonths
        case "cp.working-days": return visits.childProtectionWorkingDays
        case "cin.weeks": return visits.childInNeedWeeks
        case "pf.first-working-days": return visits.privateFosteringFirstWorkingDays
        case "pf.first-year-weeks": return visits.privateFosteringFirstYearWeeks
        case "pf.later-weeks": return visits.privateFosteringLaterWeeks
        case "late.statutory-working-days": return recording.statutoryVisitWorkingDays
        case "late.other-working-days": return recording.otherWorkingDays
        default: return nil
        }
    }

    /// Changes a named setting, refusing names that do not exist and values outside the setting's range.
    public mutating func set(_ name: String, to value: Int) throws(RulesError) {
        guard let setting = Self.setting(named: name) else {
            throw RulesError("no rule \(name); the rules are: \(Self.settings.map(\.name).joined(separator: ", "))")
        }
        guard setting.range.contains(value) else {
            throw RulesError("\(name) must be between \(setting.range.lowerBound) and \(setting.range.upperBound), not \(value)")
        }
        switch name {
        case "cla.first-visit-days": visits.lookedAfterFirstVisitDays = value
        case "cla.interval-days": visits.lookedAfterIntervalDays = value
        case "cla.long-term-months": visits.lookedAfterLongTermMonths = value
        case "cp.working-days": visits.childProtectionWorkingDays = value
        case "cin.weeks": visits.childInNeedWeeks = value
        case "pf.first-working-days": visits.privateFosteringFirstWorkingDays = value
        case "pf.first-year-weeks": visits.privateFosteringFirstYearWeeks = value
        case "pf.later-weeks": visits.privateFosteringLaterWeeks = value
        case "late.statutory-working-days": recording.statutoryVisitWorkingDays = value
        default: recording.otherWorkingDays = value
        }
    }

    /// Every setting with its value, in listing order.
    public var namedValues: [(name: String, value: Int)] {
        Self.settings.compactMap { setting in value(of: setting.name).map { (setting.name, $0) } }
    }

    /// The most bank holidays a rule set may list (a century of them, to bound what a peer can send).
    public static let maximumHolidays = 2000

    /// The most settings a rule set may carry (today's peer sends ten), and the longest name.
    public static let maximumSettings = 256
    static let maximumNameLength = 64

    /// Rules from their transmitted form, as the peer sent or stored them.
    ///
    /// Unknown names (a newer peer's settings) are kept aside in ``unrecognised``; a known setting out of
    /// range, a malformed date, or too many settings or holidays refuse the whole set, so a device never
    /// counts with half-applied rules.
    public init(version: UInt64, values: [(name: String, value: Int)], holidays: [String]) throws(RulesError) {
        self.init(version: version)
        guard values.count <= Self.maximumSettings else {
            throw RulesError("a rule set carries at most \(Self.maximumSettings) settings, not \(values.count)")
        }
        for (name, value) in values {
            if Self.setting(named: name) != nil {
                try set(name, to: value)
            } else {
                guard (1...Self.maximumNameLength).contains(name.utf8.count) else {
                    throw RulesError("a rule's name is 1 to \(Self.maximumNameLength) bytes long, not \(name.utf8.count)")
                }
                unrecognised[name] = value
            }
        }
        guard holidays.count <= Self.maximumHolidays else {
            throw RulesError("a rule set lists at most \(Self.maximumHolidays) bank holidays, not \(holidays.count)")
        }
        self.holidays = Set(try holidays.map { text throws(RulesError) in try Self.holiday(text) })
    }

    /// A bank holiday as written: exactly `YYYY-MM-DD`, a real date.
    public static func holiday(_ text: String) throws(RulesError) -> CivilDate {
        guard text.count == 10, let day = CivilDate(text) else {
            throw RulesError("'\(text.prefix(40))' is not a date: write it as YYYY-MM-DD, e.g. 2027-05-03")
        }
        return day
    }

    /// Every setting carried, known and unrecognised, sorted by name: what is stored and sent.
    public var allValues: [(name: String, value: Int)] {
        (namedValues + unrecognised.map { ($0.key, $0.value) }).sorted { $0.name < $1.name }
    }
}

/// One named rule an administrator can set.
public struct RuleSetting: Sendable, Equatable {
    public let name: String
    public let summary: String
    public let defaultValue: Int
    public let range: ClosedRange<Int>

    init(_ name: String, _ summary: String, _ defaultValue: Int, _ range: ClosedRange<Int>) {
        self.name = name
        self.summary = summary
        self.defaultValue = defaultValue
        self.range = range
    }
}

/// A rule set or a rule change that cannot be used, with the reason.
public struct RulesError: Error, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
