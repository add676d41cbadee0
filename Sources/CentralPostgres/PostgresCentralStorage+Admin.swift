import Central
import Foundation
internal import PostgresNIO
import Store
import SwiftProtobuf
import SyncProtocol

/// Custody and the pull audit, the council rules, and the quarantine on PostgreSQL.
extension PostgresCentralStorage {
    // MARK: Custody

    public func recordCustody(device: String, user: String, sent: [String: Int], purgeRequested: Set<String>,
                              purged: Set<String>, now: String) async throws {
        guard !(sent.isEmpty && purgeRequested.isEmpty && purged.isEmpty) else { return }
        let sentCases = sent.keys.sorted()
        let counts = sentCases.map { Int64(sent[$0] ?? 0) }
        let logger = logger
        try await transaction { connection in
            if !sentCases.isEmpty {
                try await connection.query("""
                    INSERT INTO central_pull_audit (at, device_id, user_name, case_id, changes)
                    SELECT \(now), \(device), \(user), c, n FROM unnest(\(sentCases)::text[], \(counts)::bigint[]) WITH ORDINALITY AS u(c, n, i)
                    ORDER BY i
                    """, logger: logger)
                try await connection.query("""
                    INSERT INTO central_custody (device_id, case_id, first_sent_at, last_sent_at)
                    SELECT \(device), c, \(now), \(now) FROM unnest(\(sentCases)::text[]) AS u(c)
                    ON CONFLICT (device_id, case_id) DO UPDATE SET last_sent_at = excluded.last_sent_at,
                        purge_requested_at = NULL, purged_at = NULL
                    """, logger: logger)
            }
            try await connection.query("""
                UPDATE central_custody SET purge_requested_at = coalesce(purge_requested_at, \(now))
                WHERE device_id = \(device) AND case_id = ANY(\(purgeRequested.sorted()))
                """, logger: logger)
            try await connection.query("""
                UPDATE central_custody SET purged_at = \(now) WHERE device_id = \(device) AND case_id = ANY(\(purged.sorted()))
                """, logger: logger)
        }
    }

    public func custody(of caseID: String) async throws -> [Custody] {
        try await rows("""
            SELECT c.device_id, d.user_name, c.first_sent_at, c.last_sent_at, c.purge_requested_at, c.purged_at
            FROM central_custody c LEFT JOIN central_device d USING (device_id) WHERE c.case_id = \(caseID)
            ORDER BY c.first_sent_at, c.device_id
            """).map { row in
            let (device, user, first, last, requested, purged) = try row.decode((String, String?, String, String, String?, String?).self)
            return Custody(deviceID: device, user: user, firstSentAt: first, lastSentAt: last, purgeRequestedAt: requested, purgedAt: purged)
        }
    }

    public func pulls(of caseID: String, limit: Int?) async throws -> [PullAudit] {
        // LIMIT NULL is no limit.
        try await rows("""
            SELECT at, device_id, user_name, changes FROM (
                SELECT at, device_id, user_name, changes, id FROM central_pull_audit WHERE case_id = \(caseID)
                ORDER BY id DESC LIMIT \(limit.map { Int64(max(0, $0)) })) AS last ORDER BY id
            """).map { row in
            let (at, device, user, changes) = try row.decode((String, String, String, Int64).self)
            return PullAudit(at: at, deviceID: device, user: user, changes: Int(clamping: changes))
        }
    }

    // MARK: Council rules

    public func rules() async throws -> CouncilRules {
        let logger = logger
        return try await withConnection { connection in try await Self.currentRules(connection, logger) }
    }

    /// Stores the next version; the primary key on the version makes a concurrent save of the same version
    /// fail, and the check under the table's lock reports it in words.
    public func saveRules(_ rules: CouncilRules, by: String, change: String, now: String) async throws {
        let logger = logger
        try await transaction { connection in
            try await connection.query("LOCK TABLE central_rules IN SHARE ROW EXCLUSIVE MODE", logger: logger)
            let current = try await Self.currentRules(connection, logger)
            guard rules.version == current.version + 1 else {
                throw CentralAdminError("the rules changed meanwhile (now version \(current.version)); nothing was saved, try again")
            }
            try await connection.query("""
                INSERT INTO central_rules (version, document, changed_at, changed_by, change)
                VALUES (\(Int64(clamping: rules.version)), \(rules.jsonText()), \(now), \(by), \(change))
                """, logger: logger)
        }
    }

    public func rulesHistory() async throws -> [RulesChange] {
        try await rows("SELECT version, changed_at, changed_by, change FROM central_rules ORDER BY version").map { row in
            let (version, at, by, change) = try row.decode((Int64, String, String, String).self)
            return RulesChange(version: UInt64(max(0, version)), changedAt: at, changedBy: by, change: change)
        }
    }

    private static func currentRules(_ connection: PostgresConnection, _ logger: Logger) async throws -> CouncilRules {
        let rows = try await connection.query("SELECT document FROM central_rules ORDER BY version DESC LIMIT 1", logger: logger).collect()
        // Never changed: the shipped defaults, version 0.
        guard let text = try rows.first?.decode(String.self) else { return .defaults }
        do {
            return try CouncilRules(jsonText: text)
        } catch {
            throw CentralAdminError("the stored council rules cannot be used (\(error)); the central_rules table needs checking")
        }
    }

    // MARK: Quarantine

    public func quarantine(state: QuarantineEntry.State?) async throws -> [QuarantineEntry] {
        try await rows("""
            SELECT \(unescaped: Self.entryColumns) FROM central_quarantine WHERE \(state?.rawValue)::text IS NULL OR state = \(state?.rawValue)
            ORDER BY id
            """).map(Self.entry)
    }

    public func quarantineEntry(_ id: Int64) async throws -> QuarantineEntry? {
        try await rows("SELECT \(unescaped: Self.entryColumns) FROM central_quarantine WHERE id = \(id)").first.map(Self.entry)
    }

    public func resolveQuarantine(_ id: Int64, state: QuarantineEntry.State, by: String, note: String?, now: String) async throws {
        try await run("""
            UPDATE central_quarantine SET state = \(state.rawValue), resolved_by = \(by), resolved_at = \(now), note = \(note) WHERE id = \(id)
            """)
    }

    static let entryColumns = "id, change, pushed_by, reason, received_at, state, resolved_by, resolved_at, note"

    static func entry(_ row: PostgresRow) throws -> QuarantineEntry {
        let (id, bytes, pushedBy, reason, receivedAt, state, resolvedBy, resolvedAt, note) =
            try row.decode((Int64, Data, String, String, String, String, String?, String?, String?).self)
        let change = try Fieldbook_V1_Change(serializedBytes: [UInt8](bytes)).decoded()
        return QuarantineEntry(id: id, change: change, pushedBy: pushedBy, reason: reason, receivedAt: receivedAt,
                               state: QuarantineEntry.State(rawValue: state) ?? .held, resolvedBy: resolvedBy,
                               resolvedAt: resolvedAt, note: note)
    }
}
