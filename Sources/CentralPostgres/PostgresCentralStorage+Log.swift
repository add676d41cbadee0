import Central
import Foundation
internal import PostgresNIO
import Store
import SwiftProtobuf
import SyncProtocol

/// The central log on PostgreSQL: intake, the walks pulls read, and segments.
extension PostgresCentralStorage {
    /// Runs `body` in one READ COMMITTED transaction on one connection, rolled back if it throws. The
    /// intake's explicit locks (``PostgresIntake``) keep concurrent intakes of other instances apart; a
    /// collision they cannot prevent is thrown as ``CentralStorageError/conflict(_:)`` and the peer runs the
    /// intake again.
    public func intake<T: Sendable>(_ body: @Sendable (any CentralIntake) async throws -> T) async throws -> T {
        let logger = logger
        // The body runs in a child task of the lease (``ConnectionLease``), which ends before this returns.
        return try await withoutActuallyEscaping(body) { body in
            try await transaction { connection in
                try await body(PostgresIntake(connection: connection, logger: logger))
            }
        }
    }

    public func changes(after cursor: UInt64, in cases: Set<String>, limit: Int,
                        leavingOut own: OwnChanges?) async throws -> (changes: [LoggedChange], top: UInt64) {
        let logger = logger
        return try await transaction { connection in
            // One snapshot for both reads: the top the pull reports is the log the walk read.
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
            let top = try await Self.top(connection, logger)
            guard !cases.isEmpty, limit > 0 else { return ([], top) }
            // The device's own changes are left out in the walk itself, so that a batch is full of what the
            // device lacks; the ranges it lacks are bound as two arrays of bounds.
            let device = own?.deviceID ?? ""
            let lows = own?.lacking.ranges.map(\.lowerBound) ?? []
            let highs = own?.lacking.ranges.map(\.upperBound) ?? []
            let rows = try await connection.query("""
                SELECT cursor, received_at, clock_skew_ms, wire FROM central_log l
                WHERE cursor > \(Int64(clamping: cursor)) AND case_id = ANY(\(cases.sorted()))
                  AND (\(own == nil) OR l.device_id <> \(device)
                       OR EXISTS (SELECT 1 FROM unnest(\(lows)::bigint[], \(highs)::bigint[]) AS r(lo, hi) WHERE l.seq BETWEEN r.lo AND r.hi))
                ORDER BY cursor LIMIT \(limit)
                """, logger: logger).collect()
            return (try rows.map(Self.logged), top)
        }
    }

    public func logged(_ ids: [ChangeID]) async throws -> [ChangeID: (receivedAt: String, clockSkew: Int64?)] {
        guard !ids.isEmpty else { return [:] }
        var found: [ChangeID: (receivedAt: String, clockSkew: Int64?)] = [:]
        for row in try await rows("""
            SELECT l.device_id, l.seq, l.received_at, l.clock_skew_ms FROM central_log l
            JOIN unnest(\(ids.map(\.deviceID))::text[], \(ids.map(\.seq))::bigint[]) AS u(d, s) ON l.device_id = u.d AND l.seq = u.s
            """) {
            let (device, seq, receivedAt, skew) = try row.decode((String, Int64, String, Int64?).self)
            found[ChangeID(deviceID: device, seq: seq)] = (receivedAt, skew)
        }
        return found
    }

    public func firstCursor(of cases: Set<String>) async throws -> UInt64? {
        guard !cases.isEmpty else { return nil }
        return try await rows("SELECT min(cursor) FROM central_log WHERE case_id = ANY(\(cases.sorted()))")
            .first.flatMap { try $0.decode(Int64?.self) }.map(UInt64.init)
    }

    public func topCursor() async throws -> UInt64 {
        let logger = logger
        return try await withConnection { connection in try await Self.top(connection, logger) }
    }

    static func top(_ connection: PostgresConnection, _ logger: Logger) async throws -> UInt64 {
        let rows = try await connection.query("SELECT coalesce(max(cursor), 0) FROM central_log", logger: logger).collect()
        return UInt64(max(0, try rows.first?.decode(Int64.self) ?? 0))
    }

    public func changes(of caseID: String, after cursor: UInt64, limit: Int) async throws -> [LoggedChange] {
        guard limit > 0 else { return [] }
        return try await rows("""
            SELECT cursor, received_at, clock_skew_ms, wire FROM central_log
            WHERE case_id = \(caseID) AND cursor > \(Int64(clamping: cursor)) ORDER BY cursor LIMIT \(limit)
            """).map(Self.logged)
    }

    public func nextCursor(of caseID: String, after cursor: UInt64) async throws -> UInt64? {
        try await rows("SELECT min(cursor) FROM central_log WHERE case_id = \(caseID) AND cursor > \(Int64(clamping: cursor))")
            .first.flatMap { try $0.decode(Int64?.self) }.map(UInt64.init)
    }

    /// A logged change from its row: (cursor, received_at, clock_skew_ms, wire).
    static func logged(_ row: PostgresRow) throws -> LoggedChange {
        let (cursor, receivedAt, skew, wire) = try row.decode((Int64, String, Int64?, Data).self)
        let change = try Fieldbook_V1_Change(serializedBytes: [UInt8](wire)).decoded()
        return LoggedChange(cursor: UInt64(max(0, cursor)), receivedAt: receivedAt, change: change, clockSkew: skew)
    }

    // MARK: Segments

    public func segments(of caseID: String, after cursor: UInt64, limit: Int) async throws -> [CaseSegment] {
        guard limit > 0 else { return [] }
        return try await rows("""
            SELECT case_id, first_cursor, last_cursor, changes, frame FROM central_segment
            WHERE case_id = \(caseID) AND first_cursor > \(Int64(clamping: cursor)) ORDER BY first_cursor LIMIT \(limit)
            """).map { row in
            let (caseID, first, last, count, frame) = try row.decode((String, Int64, Int64, Int64, Data).self)
            return CaseSegment(caseID: caseID, firstCursor: UInt64(max(0, first)), lastCursor: UInt64(max(0, last)),
                               changeCount: Int(clamping: count), frame: [UInt8](frame))
        }
    }

    public func sealedThrough(of caseID: String) async throws -> UInt64 {
        let value = try await rows("SELECT coalesce(max(last_cursor), 0) FROM central_segment WHERE case_id = \(caseID)")
            .first.map { try $0.decode(Int64.self) }
        return UInt64(max(0, value ?? 0))
    }

    /// Stores the segments in one statement; one already stored from the same cursor is kept (two peers
    /// sealing at once build the same bytes).
    public func storeSegments(_ segments: [CaseSegment]) async throws {
        guard !segments.isEmpty else { return }
        try await run("""
            INSERT INTO central_segment (case_id, first_cursor, last_cursor, changes, frame)
            SELECT * FROM unnest(\(segments.map(\.caseID))::text[], \(segments.map { Int64(clamping: $0.firstCursor) })::bigint[],
                                 \(segments.map { Int64(clamping: $0.lastCursor) })::bigint[], \(segments.map { Int64($0.changeCount) })::bigint[],
                                 \(segments.map { ByteBuffer(bytes: $0.frame) })::bytea[])
            ON CONFLICT (case_id, first_cursor) DO NOTHING
            """)
    }

    public func deleteSegments(of caseID: String) async throws {
        try await run("DELETE FROM central_segment WHERE case_id = \(caseID)")
    }
}
