import Foundation
internal import GRDB

/// A draft visit or note of the store's user, for `drafts`.
public struct DraftRecord: Sendable, Equatable {
    public let recordID: String
    public let type: RecordType
    public let caseID: String
    /// The child's name, from the case; `nil` if the case record is not on this device.
    public let childName: String?
    /// When the visit or the note's event happened.
    public let occurredAt: String?
    /// When the draft was started (its creation's recording time).
    public let recordedAt: String?
    /// A visit's type and whether the child was seen; a note's category and first words.
    public let summary: String
    /// Whole days since the draft was started, by the store's calendar: 0 for one started today.
    public let ageInDays: Int
}

/// The record `last` names: the newest one the user created.
public struct LastRecord: Sendable, Equatable {
    public let recordID: String
    public let type: RecordType
    public let caseID: String
    /// When it was created.
    public let recordedAt: String?
    /// Created since the session began (``CaseStore/changeHead()``), rather than found among everything
    /// the user created in the store.
    public let thisSession: Bool
}

/// A record offered by tab completion: enough to tell it from its neighbours.
public struct RecordSummary: Sendable, Equatable {
    public let recordID: String
    /// The shortest prefix (at least 8 characters) that names it alone in this store.
    public let shortID: String
    public let type: RecordType
    public let caseID: String
    public let status: String?
    /// The day it happened (`occurred_at`), or was recorded, in the store's time zone.
    public let occurredDay: String?
}

/// A case as completion shows it.
public struct CaseSummary: Sendable, Equatable {
    public let caseID: String
    public let childName: String?
    public let category: String?
}

/// The records whose ids start with a typed prefix.
public struct RecordCompletions: Sendable, Equatable {
    /// The most recently changed of them, newest first, at most the number asked for.
    public let records: [RecordSummary]
    /// How many there are in all.
    public let total: Int
    /// The prefix every one of their ids shares (the typed prefix, or longer).
    public let commonPrefix: String
}

/// Which records a command can act on, for completion: `finalise` wants drafts, `amend` final records.
public enum RecordChoice: Sendable, Equatable {
    /// Any visit, note, amendment or oversight entry.
    case any
    /// Draft visits and notes (`edit`).
    case drafts
    /// Draft visits and notes this user may finalise or delete (`finalise`, `delete`): their own, or on a
    /// supervisor's (or a store not yet enrolled) any, as ``ChangePolicy`` says.
    case finishable
    /// Final visits, notes and oversight entries (`amend`).
    case final
    /// Records with a field in conflict (`resolve`).
    case inConflict

    /// The SQL condition; `:author` is the user, who alone may finish a worker's drafts.
    func condition(anyAuthor: Bool) -> String {
        switch self {
        case .any: return "type != 'case'"
        case .drafts: return "type IN ('visit', 'note') AND status = 'draft'"
        case .finishable: return "type IN ('visit', 'note') AND status = 'draft'" + (anyAuthor ? "" : " AND created_by = :author")
        case .final: return "type IN ('visit', 'note', 'oversight') AND status = 'final'"
        case .inConflict: return "type != 'case' AND conflicts IS NOT NULL"
        }
    }
}

extension CaseStore {
    /// The store user's draft visits and notes, oldest first: what is left to finish.
    public func drafts() throws -> [DraftRecord] {
        let today = self.today
        let days = LocalDays(timeZone)
        return try pool.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT r.id, r.type, r.case_id, r.created_at, r.fields, json_extract(c.fields, '$.child_name') AS child_name
                FROM record r LEFT JOIN record c ON c.id = r.case_id AND c.type = 'case'
                WHERE r.created_by = ? AND r.status = 'draft' AND r.type IN ('visit', 'note')
                ORDER BY r.created_at,
                         -- Two drafts made in one millisecond: the creating change's clock tells which came first.
                         (SELECT min(hlc) FROM change_log WHERE record_id = r.id AND kind = 'create'), r.id
                """, arguments: [author])
            return try rows.map { row in
                let fields = try JSONCoding.decode([String: String].self, from: row["fields"])
                let type = RecordType(rawValue: row["type"]) ?? .note
                let recordedAt: String? = row["created_at"]
                let started = recordedAt.flatMap { CivilDate(days.day(of: $0)) } ?? today
                return DraftRecord(recordID: row["id"], type: type, caseID: row["case_id"], childName: row["child_name"],
                                   occurredAt: fields["occurred_at"], recordedAt: recordedAt,
                                   summary: Self.summary(type, fields), ageInDays: max(0, started.days(until: today)))
            }
        }
    }

    /// The sequence number of this device's latest change (0 before any): where a session begins, for
    /// ``lastRecord(createdAfter:)``.
    public func changeHead() throws -> Int64 {
        try pool.read { db in try ChangeLog.head(of: deviceID, db)?.seq ?? 0 }
    }

    /// The record `last` names: the newest visit, note, amendment or oversight entry this device created
    /// after its change `sessionStart` (this session's), or if none, the newest the store's user created
    /// in the store. `nil` if the user created none. Records that are no longer here (a purged case, a
    /// quarantined creation) are passed over.
    ///
    /// The session comes first so that `last` is what the person just typed, even when a sync has meanwhile
    /// brought a record they wrote on another laptop with a later time.
    public func lastRecord(createdAfter sessionStart: Int64?) throws -> LastRecord? {
        try pool.read { db in
            if let sessionStart, let row = try Row.fetchOne(db, sql: """
                SELECT r.id, r.type, r.case_id, r.created_at FROM change_log c JOIN record r ON r.id = c.record_id
                WHERE c.device_id = ? AND c.seq > ? AND c.kind = 'create' AND c.record_type != 'case'
                ORDER BY c.seq DESC LIMIT 1
                """, arguments: [deviceID, sessionStart]) {
                return Self.lastRecord(row, thisSession: true)
            }
            return try Row.fetchOne(db, sql: """
                SELECT id, type, case_id, created_at FROM record WHERE created_by = ? AND type != 'case'
                ORDER BY created_at DESC,
                         (SELECT min(hlc) FROM change_log WHERE record_id = record.id AND kind = 'create') DESC, id DESC
                LIMIT 1
                """, arguments: [author]).map { Self.lastRecord($0, thisSession: false) }
        }
    }

    private static func lastRecord(_ row: Row, thisSession: Bool) -> LastRecord {
        LastRecord(recordID: row["id"], type: RecordType(rawValue: row["type"]) ?? .note, caseID: row["case_id"],
                   recordedAt: row["created_at"], thisSession: thisSession)
    }

    /// The records of `choice` whose ids start with `prefix` (capitals or not), for tab completion: the
    /// `limit` most recently changed, how many there are, and the prefix all of their ids share.
    public func recordCompletions(prefix: String, choice: RecordChoice = .any, limit: Int = 40) throws -> RecordCompletions {
        let prefix = prefix.lowercased()
        let days = LocalDays(timeZone)
        return try pool.read { db in
            let anyAuthor = try role(db).map { $0 == .supervisor } ?? true
            let matching = "\(choice.condition(anyAuthor: anyAuthor)) AND substr(id, 1, length(:prefix)) = :prefix"
            guard let bounds = try Row.fetchOne(db, sql: "SELECT count(*) AS n, min(id) AS first, max(id) AS last FROM record WHERE \(matching)",
                                                arguments: ["prefix": prefix, "author": author]),
                  let first: String = bounds["first"], let last: String = bounds["last"]
            else { return RecordCompletions(records: [], total: 0, commonPrefix: prefix) }
            // The ids sorted, what the first and the last share, all share.
            let common = String(zip(first, last).prefix { $0 == $1 }.map(\.0))
            let rows = try Row.fetchAll(db, sql: """
                SELECT id, type, case_id, status, created_at, json_extract(fields, '$.occurred_at') AS occurred_at
                FROM record WHERE \(matching) ORDER BY updated_hlc DESC, id LIMIT :limit
                """, arguments: ["prefix": prefix, "author": author, "limit": limit])
            let records = try rows.map { row in
                let id: String = row["id"]
                return RecordSummary(recordID: id, shortID: try uniquePrefix(of: id, db), type: RecordType(rawValue: row["type"]) ?? .note,
                                     caseID: row["case_id"], status: row["status"],
                                     occurredDay: (row["occurred_at"] ?? row["created_at"]).map { days.day(of: $0) })
            }
            return RecordCompletions(records: records, total: bounds["n"], commonPrefix: common)
        }
    }

    /// Every case with its child's name and category, for completion.
    public func caseSummaries() throws -> [CaseSummary] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT id, json_extract(fields, '$.child_name') AS child, json_extract(fields, '$.category') AS category
                FROM record WHERE type = 'case' ORDER BY id
                """).map { CaseSummary(caseID: $0["id"], childName: $0["child"], category: $0["category"]) }
        }
    }
}

/// The local calendar day of stored dates and UTC instants, for listings of many records: what
/// `localDay(of:)` gives, with its formatter and calendar made once rather than for every value (making
/// them was most of the time `search` took on a small store).
struct LocalDays {
    private let calendar: Calendar
    private let instant = ISO8601DateFormatter()
    private let recorded = ISO8601DateFormatter()

    init(_ zone: TimeZone) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        self.calendar = calendar
        instant.formatOptions = [.withInternetDateTime]
        recorded.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    }

    /// `2026-11-20` for a date (as stored), or for an instant the day it fell on in the zone.
    func day(of stored: String) -> String {
        guard stored.count > 10 else { return stored }
        guard let date = (stored.contains(".") ? recorded : instant).date(from: stored) else { return String(stored.prefix(10)) }
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
    }
}
