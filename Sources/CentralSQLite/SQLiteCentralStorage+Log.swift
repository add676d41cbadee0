import Central
import Foundation
internal import GRDB
import Store
import SwiftProtobuf
import SyncProtocol

/// The central log on SQLite: intake, the walk pulls read, segments, and the custody of what was sent.
extension SQLiteCentralStorage {
    public func intake<T: Sendable>(_ body: @Sendable (any CentralIntake) async throws -> T) async throws -> T {
        let pool = pool
        return try await turns.run { try await SQLiteIntake.run(on: pool, body) }
    }

    public func changes(after cursor: UInt64, in cases: Set<String>, limit: Int,
                        leavingOut own: OwnChanges?) async throws -> (changes: [LoggedChange], top: UInt64) {
        try await read { db in
            let top = UInt64(try Int64.fetchOne(db.cachedStatement(sql: "SELECT max(cursor) FROM central_log")) ?? 0)
            guard !cases.isEmpty else { return ([], top) }
            // The device's own changes are left out in the walk itself, so that a batch is full of what the
            // device lacks; the few ranges it lacks are looked up only for its own rows.
            var ownClause = ""
            var ownArguments = StatementArguments()
            if let own {
                ownClause = "AND (l.device_id <> ? OR EXISTS (SELECT 1 FROM json_each(?) r WHERE l.seq BETWEEN json_extract(r.value, '$[0]') AND json_extract(r.value, '$[1]')))"
                let ranges = own.lacking.ranges.map { "[\($0.lowerBound),\($0.upperBound)]" }.joined(separator: ",")
                ownArguments = [own.deviceID, "[" + ranges + "]"]
            }
            // The log is the outer loop: a walk from the cursor that stops at the limit. (Left to itself
            // SQLite would read every change of the visible cases by the case index and sort them, which
            // made an incremental pull cost as much as the whole caseload: W4, docs/BENCHMARKS.md.)
            let rows = try Row.fetchAll(db.cachedStatement(sql: """
                SELECT \(Self.loggedColumns) FROM central_log l NOT INDEXED \(Self.unencodedJoin)
                WHERE l.cursor > ? \(ownClause) AND l.case_id IN (SELECT value FROM json_each(?))
                ORDER BY l.cursor LIMIT ?
                """), arguments: StatementArguments([Int64(clamping: cursor)]) + ownArguments + [Self.jsonList(cases), limit])
            return (try rows.map(Self.logged), top)
        }
    }

    public func logged(_ ids: [ChangeID]) async throws -> [ChangeID: (receivedAt: String, clockSkew: Int64?)] {
        guard !ids.isEmpty else { return [:] }
        return try await read { db in
            var out: [ChangeID: (receivedAt: String, clockSkew: Int64?)] = [:]
            let statement = try db.cachedStatement(sql: "SELECT received_at, clock_skew_ms FROM central_log WHERE device_id = ? AND seq = ?")
            for id in ids {
                if let row = try Row.fetchOne(statement, arguments: [id.deviceID, id.seq]) {
                    out[id] = (row["received_at"], row["clock_skew_ms"])
                }
            }
            return out
        }
    }

    public func firstCursor(of cases: Set<String>) async throws -> UInt64? {
        guard !cases.isEmpty else { return nil }
        return try await read { db in
            try Int64.fetchOne(db.cachedStatement(sql: """
                SELECT min(cursor) FROM central_log WHERE case_id IN (SELECT value FROM json_each(?))
                """), arguments: [Self.jsonList(cases)]).map(UInt64.init)
        }
    }

    public func topCursor() async throws -> UInt64 {
        try await read { db in UInt64(try Int64.fetchOne(db.cachedStatement(sql: "SELECT max(cursor) FROM central_log")) ?? 0) }
    }

    public func changes(of caseID: String, after cursor: UInt64, limit: Int) async throws -> [LoggedChange] {
        try await read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT \(Self.loggedColumns) FROM central_log l INDEXED BY central_log_by_case \(Self.unencodedJoin)
                WHERE l.case_id = ? AND l.cursor > ? ORDER BY l.cursor LIMIT ?
                """), arguments: [caseID, Int64(clamping: cursor), limit]).map(Self.logged)
        }
    }

    public func nextCursor(of caseID: String, after cursor: UInt64) async throws -> UInt64? {
        try await read { db in
            try Int64.fetchOne(db.cachedStatement(sql: "SELECT min(cursor) FROM central_log WHERE case_id = ? AND cursor > ?"),
                               arguments: [caseID, Int64(clamping: cursor)]).map(UInt64.init)
        }
    }

    /// What a logged change is read from: its wire form, or, for a change that has none (the replica's own,
    /// and those accepted before central v7), its row in the change log.
    static let loggedColumns = "l.cursor, l.received_at, l.clock_skew_ms, l.wire, c.*"
    static let unencodedJoin = "LEFT JOIN change_log c ON l.wire IS NULL AND c.device_id = l.device_id AND c.seq = l.seq"

    static func logged(_ row: Row) throws -> LoggedChange {
        let change: Change
        if let wire = row["wire"] as Data? {
            change = try Fieldbook_V1_Change(serializedBytes: Array(wire)).decoded()
        } else {
            change = try StoredChange.decode(row)
        }
        return LoggedChange(cursor: UInt64(row["cursor"] as Int64), receivedAt: row["received_at"], change: change,
                            clockSkew: row["clock_skew_ms"])
    }

    /// A JSON array of `values`, for `IN (SELECT value FROM json_each(?))`: one statement, cached, whatever
    /// the number of values (a list of question marks makes a new statement for every length).
    static func jsonList(_ values: Set<String>) -> String {
        String(decoding: (try? JSONEncoder().encode(values.sorted())) ?? Data("[]".utf8), as: UTF8.self)
    }

    // MARK: Segments

    public func segments(of caseID: String, after cursor: UInt64, limit: Int) async throws -> [CaseSegment] {
        try await read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT * FROM central_segment WHERE case_id = ? AND first_cursor > ? ORDER BY first_cursor LIMIT ?
                """), arguments: [caseID, Int64(clamping: cursor), limit]).map { row in
                CaseSegment(caseID: row["case_id"], firstCursor: UInt64(row["first_cursor"] as Int64),
                            lastCursor: UInt64(row["last_cursor"] as Int64), changeCount: row["changes"],
                            frame: Array(row["frame"] as Data))
            }
        }
    }

    public func sealedThrough(of caseID: String) async throws -> UInt64 {
        try await read { db in
            UInt64(try Int64.fetchOne(db.cachedStatement(sql: "SELECT max(last_cursor) FROM central_segment WHERE case_id = ?"),
                                      arguments: [caseID]) ?? 0)
        }
    }

    public func storeSegments(_ segments: [CaseSegment]) async throws {
        guard !segments.isEmpty else { return }
        try await write { db in
            let insert = try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO central_segment (case_id, first_cursor, last_cursor, changes, frame) VALUES (?, ?, ?, ?, ?)
                """)
            for segment in segments {
                try insert.execute(arguments: [segment.caseID, Int64(clamping: segment.firstCursor), Int64(clamping: segment.lastCursor),
                                               segment.changeCount, Data(segment.frame)])
            }
        }
    }

    public func deleteSegments(of caseID: String) async throws {
        try await write { db in try db.execute(sql: "DELETE FROM central_segment WHERE case_id = ?", arguments: [caseID]) }
    }

    // MARK: Custody

    public func recordCustody(device: String, user: String, sent: [String: Int], purgeRequested: Set<String>,
                              purged: Set<String>, now: String) async throws {
        guard !(sent.isEmpty && purgeRequested.isEmpty && purged.isEmpty) else { return }
        try await write { db in
            for (caseID, count) in sent.sorted(by: { $0.key < $1.key }) {
                try db.cachedStatement(sql: "INSERT INTO central_pull_audit (at, device_id, user, case_id, changes) VALUES (?, ?, ?, ?, ?)")
                    .execute(arguments: [now, device, user, caseID, count])
                try db.cachedStatement(sql: """
                    INSERT INTO central_custody (device_id, case_id, first_sent_at, last_sent_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (device_id, case_id) DO UPDATE SET last_sent_at = excluded.last_sent_at,
                        purge_requested_at = NULL, purged_at = NULL
                    """).execute(arguments: [device, caseID, now, now])
            }
            for caseID in purgeRequested {
                try db.execute(sql: "UPDATE central_custody SET purge_requested_at = coalesce(purge_requested_at, ?) WHERE device_id = ? AND case_id = ?",
                               arguments: [now, device, caseID])
            }
            for caseID in purged {
                try db.execute(sql: "UPDATE central_custody SET purged_at = ? WHERE device_id = ? AND case_id = ?",
                               arguments: [now, device, caseID])
            }
        }
    }

    public func custody(of caseID: String) async throws -> [Custody] {
        try await read { db in
            try Row.fetchAll(db, sql: """
                SELECT c.device_id, d.user, c.first_sent_at, c.last_sent_at, c.purge_requested_at, c.purged_at
                FROM central_custody c LEFT JOIN central_device d USING (device_id) WHERE c.case_id = ? ORDER BY c.first_sent_at
                """, arguments: [caseID]).map { row in
                Custody(deviceID: row["device_id"], user: row["user"], firstSentAt: row["first_sent_at"], lastSentAt: row["last_sent_at"],
                        purgeRequestedAt: row["purge_requested_at"], purgedAt: row["purged_at"])
            }
        }
    }

    public func pulls(of caseID: String, limit: Int?) async throws -> [PullAudit] {
        try await read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM (SELECT at, device_id, user, changes, id FROM central_pull_audit WHERE case_id = ?
                               ORDER BY id DESC LIMIT ?) ORDER BY id
                """, arguments: [caseID, limit ?? -1]).map { row in
                PullAudit(at: row["at"], deviceID: row["device_id"], user: row["user"], changes: row["changes"])
            }
        }
    }
}
