/// How soon after it happened a record must be written (typical local standards, configurable): a
/// statutory visit within 2 working days, anything else within 5.
public struct RecordingStandards: Sendable, Equatable {
    public var statutoryVisitWorkingDays = 2
    public var otherWorkingDays = 5
    public var calendar = WorkingCalendar.englandAndWales

    public init() {}

    public static let defaults = RecordingStandards()
}

/// A visit or note written later than the standard allows.
public struct LateRecording: Sendable, Equatable {
    public let recordID: String
    public let caseID: String
    public let type: RecordType
    public let visitType: String?
    public let author: String
    public let occurred: CivilDate
    public let recorded: CivilDate
    /// The last date the standard allowed.
    public let deadline: CivilDate
    /// Working days after the deadline.
    public let workingDaysLate: Int
}

/// A child not seen alone on any of their last visits.
public struct NotSeenAlone: Sendable, Equatable {
    public let caseID: String
    public let childName: String
    public let worker: String
    /// The visits considered (newest first): date and, where recorded, why the child was not seen alone.
    public let visits: [(date: CivilDate, reason: String?)]
    public let lastSeenAlone: CivilDate?

    public static func == (a: NotSeenAlone, b: NotSeenAlone) -> Bool {
        a.caseID == b.caseID && a.visits.map(\.date) == b.visits.map(\.date) && a.visits.map(\.reason) == b.visits.map(\.reason)
            && a.lastSeenAlone == b.lastSeenAlone
    }
}

/// One worker's line in `team`.
public struct WorkerSummary: Sendable, Equatable {
    public let worker: String
    public let cases: Int
    public let overdue: Int
    public let drafts: Int
    public let late: Int
    public let conflicts: Int
}
