import Central
import Foundation
import Logging
internal import PostgresNIO
import Store
import SwiftProtobuf
import SyncProtocol

/// One push's transaction on PostgreSQL: every operation a statement or two on the intake's one connection,
/// inside one READ COMMITTED transaction (``PostgresCentralStorage/intake(_:)``), with explicit locks where
/// two instances of the peer could otherwise interleave.
struct PostgresIntake: CentralIntake {
    let connection: PostgresConnection
    let logger: Logger
    /// Records this intake read and found absent: the changes it accepts for them were judged as creating
    /// them, so finding one created by a concurrent intake meanwhile is a conflict, not a merge.
    let absent = AbsentRecords()

    private var records: PostgresRecords { PostgresRecords(connection: connection, logger: logger) }

    /// The device's chain head, with the device's advisory lock taken until the transaction ends: two pushes
    /// of one device, admitted by two instances at once, take turns, and the second judges its changes
    /// against the chain the first extended (no sequence number is accepted twice).
    func chainHead(of deviceID: String) async throws -> (seq: Int64, hash: String)? {
        try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\("chain:" + deviceID)))", logger: logger)
        let rows = try await connection.query("SELECT seq, hash FROM central_chain WHERE device_id = \(deviceID)", logger: logger).collect()
        return try rows.first.map { try $0.decode((Int64, String).self) }
    }

    func setChainHead(of deviceID: String, seq: Int64, hash: String) async throws {
        try await connection.query("""
            INSERT INTO central_chain (device_id, seq, hash) VALUES (\(deviceID), \(seq), \(hash))
            ON CONFLICT (device_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash
            """, logger: logger)
    }

    func received(_ ids: [ChangeID]) async throws -> [ChangeID: ReceivedChange] {
        guard !ids.isEmpty else { return [:] }
        let devices = ids.map(\.deviceID)
        let seqs = ids.map(\.seq)
        var found = try await loggedHashes(ids).mapValues { ReceivedChange.accepted(hash: $0) }
        // Quarantined only counts where the change's own device pushed it; the first such entry is the one.
        for row in try await connection.query("""
            SELECT DISTINCT ON (q.device_id, q.seq) q.device_id, q.seq, q.id, q.change, q.reason FROM central_quarantine q
            JOIN unnest(\(devices)::text[], \(seqs)::bigint[]) AS u(d, s) ON q.device_id = u.d AND q.seq = u.s
            WHERE q.pushed_by = q.device_id ORDER BY q.device_id, q.seq, q.id
            """, logger: logger).collect() {
            let (device, seq, id, change, reason) = try row.decode((String, Int64, Int64, Data, String).self)
            let changeID = ChangeID(deviceID: device, seq: seq)
            guard found[changeID] == nil else { continue }
            found[changeID] = .quarantined(hash: try Fieldbook_V1_Change(serializedBytes: [UInt8](change)).hash, reason: reason, id: id)
        }
        return found
    }

    /// The hash of each of `ids` in the log; ids not in it are left out.
    private func loggedHashes(_ ids: [ChangeID]) async throws -> [ChangeID: String] {
        guard !ids.isEmpty else { return [:] }
        var found: [ChangeID: String] = [:]
        for row in try await connection.query("""
            SELECT l.device_id, l.seq, l.hash FROM central_log l
            JOIN unnest(\(ids.map(\.deviceID))::text[], \(ids.map(\.seq))::bigint[]) AS u(d, s) ON l.device_id = u.d AND l.seq = u.s
            """, logger: logger).collect() {
            let (device, seq, hash) = try row.decode((String, Int64, String).self)
            found[ChangeID(deviceID: device, seq: seq)] = hash
        }
        return found
    }

    /// The records' merged states, their rows locked until the intake ends (``PostgresRecords/states(_:locking:)``).
    func records(_ ids: Set<String>) async throws -> [String: RecordState] {
        let states = try await records.states(ids, locking: true)
        absent.insert(ids.subtracting(states.keys))
        return states
    }

    func snapshot(_ recordID: String) async throws -> RecordSnapshot? {
        try await records.snapshot(recordID)
    }

    func record(sealedBy finalisation: Change) async throws -> RecordState? {
        let seal = Set(finalisation.sealed)
        return RecordState(changes: try await records.changes(ofRecord: finalisation.recordID).filter { seal.contains($0.id) })
    }

    func allocations(of cases: Set<String>) async throws -> [String: [Allocation]] {
        try await PostgresRecords.allocations(of: cases, connection, logger)
    }

    func users(named names: Set<String>) async throws -> [String: CentralUser] {
        guard !names.isEmpty else { return [:] }
        var users: [String: CentralUser] = [:]
        for row in try await connection.query("""
            SELECT name, role, team FROM central_user WHERE name = ANY(\(names.sorted()))
            """, logger: logger).collect() {
            if let user = try PostgresCentralStorage.user(row) { users[user.name] = user }
        }
        return users
    }

    /// Appends the changes to the log and merges each into its record.
    ///
    /// **Cursors in commit order.** A pull reads the log after the device's cursor and moves the cursor to
    /// the last change it read. Were cursors handed out by a sequence, an intake that took cursor 7 and
    /// committed after another took 8 and committed would let a pull in between read 8, move past 7, and
    /// never see it. So the intake takes one transaction-scoped advisory lock (a fixed key) immediately
    /// before it appends, and numbers its changes from the log's highest cursor under it. The lock is held
    /// until commit: an intake appending later waits for it, numbers its changes after every change of
    /// this one, and commits after it. A pull therefore only ever sees a prefix of the log: no cursor below
    /// the highest it read can still appear.
    ///
    /// The cost is that intakes append one at a time, from their first append to their commit; everything
    /// an intake does before (reading, judging) runs in parallel with others. The lock is taken as late as
    /// possible for that reason.
    func accept(_ changes: [AcceptedChange]) async throws {
        var fresh: [AcceptedChange] = []
        var seen: Set<ChangeID> = []
        for accepted in changes where seen.insert(accepted.change.id).inserted {
            guard accepted.change.hashIsValid else { throw ChangeApplier.Refusal.badHash(accepted.change.id) }
            fresh.append(accepted)
        }
        // A change already in the log with the same hash is kept once (re-delivery is harmless); with
        // another hash it is refused, as on SQLite.
        let logged = try await loggedHashes(fresh.map(\.change.id))
        fresh = try fresh.filter { accepted in
            guard let hash = logged[accepted.change.id] else { return true }
            guard hash == accepted.change.hash else {
                throw ChangeApplier.Refusal.mismatchedRecord(accepted.change.id, "differs from the change with the same id already stored")
            }
            return false
        }
        guard !fresh.isEmpty else { return }
        try await connection.query("SELECT pg_advisory_xact_lock(\(PostgresSchema.LockKey.namespace), \(PostgresSchema.LockKey.log))", logger: logger)
        let top = try await connection.query("SELECT coalesce(max(cursor), 0) FROM central_log", logger: logger).collect()
        let first = (try top.first?.decode(Int64.self) ?? 0) + 1
        let cursors = fresh.indices.map { first + Int64($0) }
        let wires = try fresh.map { ByteBuffer(bytes: try Fieldbook_V1_Change($0.change).serializedBytes() as [UInt8]) }
        // The skew is nullable and arrays of optionals are not bound: a flag says which are absent.
        try await connection.query("""
            INSERT INTO central_log (cursor, device_id, seq, case_id, record_id, received_at, clock_skew_ms, hash, wire)
            SELECT cur, d, s, c, r, t, CASE WHEN k THEN skew END, h, w
            FROM unnest(\(cursors)::bigint[], \(fresh.map(\.change.id.deviceID))::text[], \(fresh.map(\.change.id.seq))::bigint[],
                        \(fresh.map(\.change.caseID))::text[], \(fresh.map(\.change.recordID))::text[], \(fresh.map(\.receivedAt))::text[],
                        \(fresh.map { $0.clockSkew != nil })::boolean[], \(fresh.map { $0.clockSkew ?? 0 })::bigint[],
                        \(fresh.map(\.change.hash))::text[], \(wires)::bytea[])
                AS u(cur, d, s, c, r, t, k, skew, h, w)
            """, logger: logger)
        try await records.merge(fresh.map(\.change), judgedAbsent: absent.ids)
    }

    func quarantine(_ change: Change, pushedBy device: String, reason: String, now: String) async throws -> Int64 {
        let bytes = Data(try Fieldbook_V1_Change(change).serializedBytes() as [UInt8])
        let rows = try await connection.query("""
            INSERT INTO central_quarantine (device_id, seq, author, case_id, record_id, pushed_by, change, reason, received_at)
            VALUES (\(change.id.deviceID), \(change.id.seq), \(change.author), \(change.caseID), \(change.recordID), \(device),
                    \(bytes), \(reason), \(now))
            RETURNING id
            """, logger: logger).collect()
        guard let id = try rows.first?.decode(Int64.self) else { throw CentralStorageError.unavailable("the quarantine gave no id") }
        return id
    }

    /// Ends the case's open allocation and opens the new one. Two instances allocating one case at once
    /// cannot both open one: the second's insert fails on the unique index of open allocations (a conflict:
    /// the peer runs its intake again, and ends the first's allocation).
    func allocate(_ caseID: String, to worker: String?, at: String, reason: String?, by: String) async throws {
        try await connection.query("UPDATE central_allocation SET to_at = \(at) WHERE case_id = \(caseID) AND to_at IS NULL", logger: logger)
        if let worker {
            try await connection.query("""
                INSERT INTO central_allocation (case_id, worker, from_at, reason, by_user) VALUES (\(caseID), \(worker), \(at), \(reason), \(by))
                """, logger: logger)
        }
    }
}

/// The records an intake found absent; one intake runs in one task, the lock only satisfies `Sendable`.
final class AbsentRecords: @unchecked Sendable {
    private let lock = NSLock()
    private var recordIDs: Set<String> = []

    func insert(_ ids: Set<String>) {
        lock.withLock { recordIDs.formUnion(ids) }
    }

    var ids: Set<String> { lock.withLock { recordIDs } }
}
