import Foundation
import GRDB
import Store
import SwiftProtobuf

/// The central peer's storage in one SQLite file (WAL, synchronous=FULL): the store schema every replica
/// has (the central log is its change log, merged by the same rules) plus the peer's own tables.
///
/// The file may be opened by the server and by `fieldbook admin` at the same time; SQLite serialises
/// their writes.
public final class SQLiteCentralStorage: CentralStorage {
    /// The central replica: the peer's own changes (case details, allocations) are written through it.
    public let replica: CaseStore
    var pool: DatabasePool { replica.database }

    /// Opens (creating or upgrading) `data/central.sqlite`. `actor` is who the peer's own changes are
    /// attributed to: `central` for the server, the administrator's name for `fieldbook admin`. A new
    /// data folder is `0700` and its files `0600` (``PrivateFiles``).
    public init(folder: String, actor: String, clock: @escaping @Sendable () -> Date = { Date() },
                durability: CaseStore.Durability = .full) throws {
        try PrivateFiles.createFolder(atPath: folder)
        replica = try CaseStore(path: (folder as NSString).appendingPathComponent("central.sqlite"), author: actor,
                                clock: clock, durability: durability, extraMigrations: CentralSchema.register)
    }

    // MARK: Users and devices

    public func addUser(_ user: CentralUser, now: String) throws {
        try pool.write { db in
            guard try !Bool.exists(db, "SELECT 1 FROM central_user WHERE name = ?", [user.name]) else {
                throw CentralAdminError("user \(user.name) already exists")
            }
            try db.execute(sql: "INSERT INTO central_user (name, role, team, created_at) VALUES (?, ?, ?, ?)",
                           arguments: [user.name, user.role.rawValue, user.team, now])
        }
    }

    public func users() throws -> [CentralUser] {
        try pool.read { db in try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM central_user ORDER BY name")).compactMap(Self.user) }
    }

    public func user(named name: String) throws -> CentralUser? {
        try pool.read { db in try SQLiteIntake(db: db).user(named: name) }
    }

    static func user(_ row: Row) -> CentralUser? {
        guard let role = CentralRole(rawValue: row["role"]) else { return nil }
        return CentralUser(name: row["name"], role: role, team: row["team"])
    }

    public func addEnrolmentCode(hash: String, user: String, now: String, expiresAt: String) throws {
        try pool.write { db in
            try db.execute(sql: "INSERT INTO central_enrolment (code_hash, user, created_at, expires_at) VALUES (?, ?, ?, ?)",
                           arguments: [hash, user, now, expiresAt])
        }
    }

    public func redeemEnrolmentCode(hash: String, deviceID: String, deviceName: String, tokenHash: String, now: String) throws -> CentralUser? {
        try pool.write { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT e.user FROM central_enrolment e WHERE e.code_hash = ? AND e.used_at IS NULL AND e.expires_at > ?
                """, arguments: [hash, now]),
                let user = try Row.fetchOne(db, sql: "SELECT * FROM central_user WHERE name = ?", arguments: [row["user"] as String]).flatMap(Self.user)
            else { return nil }
            // A store enrols again with a new code from its user (its answer was lost, or it was revoked):
            // the device keeps its id and chain and gets a new token. Another user's code cannot take it over.
            if let owner = try String.fetchOne(db, sql: "SELECT user FROM central_device WHERE device_id = ?", arguments: [deviceID]) {
                guard owner == user.name else {
                    throw ProtocolError.conflict("device \(deviceID) is enrolled to another user; enrol a new store")
                }
                try db.execute(sql: "UPDATE central_device SET token_hash = ?, name = ?, revoked_at = NULL, enrolled_at = ? WHERE device_id = ?",
                               arguments: [tokenHash, deviceName, now, deviceID])
            } else {
                try db.execute(sql: """
                    INSERT INTO central_device (device_id, user, name, token_hash, enrolled_at) VALUES (?, ?, ?, ?, ?)
                    """, arguments: [deviceID, user.name, deviceName, tokenHash, now])
            }
            try db.execute(sql: "UPDATE central_enrolment SET used_at = ?, device_id = ? WHERE code_hash = ?",
                           arguments: [now, deviceID, hash])
            return user
        }
    }

    public func device(tokenHash: String) throws -> CentralDevice? {
        try pool.read { db in try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM central_device WHERE token_hash = ?"), arguments: [tokenHash]).map(Self.device) }
    }

    public func devices() throws -> [CentralDevice] {
        try pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM central_device ORDER BY user, enrolled_at").map(Self.device) }
    }

    static func device(_ row: Row) -> CentralDevice {
        CentralDevice(id: row["device_id"], user: row["user"], name: row["name"], enrolledAt: row["enrolled_at"],
                      revokedAt: row["revoked_at"], lastSeenAt: row["last_seen_at"])
    }

    public func revokeDevice(_ id: String, now: String) throws -> Bool {
        try pool.write { db in
            try db.execute(sql: "UPDATE central_device SET revoked_at = ? WHERE device_id = ? AND revoked_at IS NULL", arguments: [now, id])
            return db.changesCount > 0
        }
    }

    public func touchDevice(_ id: String, now: String) throws {
        try pool.write { db in
            // At most once a minute: each write is a commit (an fsync), and the audit needs no finer time.
            try db.execute(sql: """
                UPDATE central_device SET last_seen_at = ?1
                WHERE device_id = ?2 AND (last_seen_at IS NULL OR last_seen_at < strftime('%Y-%m-%dT%H:%M:%fZ', ?1, '-60 seconds'))
                """, arguments: [now, id])
        }
    }

    // MARK: Cases

    public func allocations(of caseID: String) throws -> [Allocation] {
        try pool.read { db in try SQLiteIntake(db: db).allocations(of: caseID) }
    }

    public func cases(allocatedTo workers: Set<String>) throws -> Set<String> {
        guard !workers.isEmpty else { return [] }
        return try pool.read { db in
            Set(try String.fetchAll(db.cachedStatement(sql: """
                SELECT case_id FROM central_allocation WHERE to_at IS NULL AND worker IN (SELECT value FROM json_each(?))
                """), arguments: [Self.jsonList(workers)]))
        }
    }

    /// Adds a case on the central replica and allocates it.
    public func addCase(id: String, values: [(key: String, value: String)], worker: String?, now: String) throws {
        if let worker { try requireWorker(worker) }
        try replica.addCase(id: id, values: values.filter { $0.key != "worker" } + [("worker", worker ?? "")])
        if let worker {
            try pool.write { db in
                try db.execute(sql: "INSERT INTO central_allocation (case_id, worker, from_at, reason, by_user) VALUES (?, ?, ?, 'case added', ?)",
                               arguments: [id, worker, now, replica.author])
            }
        }
    }

    /// Allocates a case to `worker`, ending the current allocation, and records it on the case.
    public func assign(caseID: String, to worker: String, reason: String?, now: String) throws {
        try requireWorker(worker)
        _ = try replica.caseState(caseID)
        _ = try replica.edit(caseID, values: [("worker", worker)])
        try pool.write { db in
            try db.execute(sql: "UPDATE central_allocation SET to_at = ? WHERE case_id = ? AND to_at IS NULL", arguments: [now, caseID])
            try db.execute(sql: "INSERT INTO central_allocation (case_id, worker, from_at, reason, by_user) VALUES (?, ?, ?, ?, ?)",
                           arguments: [caseID, worker, now, reason, replica.author])
        }
    }

    private func requireWorker(_ name: String) throws {
        guard try user(named: name) != nil else {
            throw CentralAdminError("no user \(name); add one with: fieldbook admin user add \(name) --role worker")
        }
    }

    // MARK: Sync

    public func intake<T>(_ body: (any CentralIntake) throws -> T) throws -> T {
        try pool.write { db in try body(SQLiteIntake(db: db)) }
    }

    public func changes(after cursor: UInt64, in cases: Set<String>, limit: Int,
                        leavingOut own: OwnChanges?) throws -> (changes: [LoggedChange], top: UInt64) {
        try pool.read { db in
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
            // CROSS JOIN keeps the log as the outer loop: a walk from the cursor that stops at the limit.
            // Left to itself SQLite reads every change of the visible cases by the case index and sorts them,
            // which made an incremental pull cost as much as the whole caseload (W4, docs/BENCHMARKS.md).
            let rows = try Row.fetchAll(db.cachedStatement(sql: """
                SELECT l.cursor, l.received_at, l.clock_skew_ms, c.* FROM central_log l
                CROSS JOIN change_log c ON c.device_id = l.device_id AND c.seq = l.seq
                WHERE l.cursor > ? \(ownClause) AND c.case_id IN (SELECT value FROM json_each(?))
                ORDER BY l.cursor LIMIT ?
                """), arguments: StatementArguments([Int64(clamping: cursor)]) + ownArguments + [Self.jsonList(cases), limit])
            return (try rows.map(Self.logged), top)
        }
    }

    public func logged(_ ids: [ChangeID]) throws -> [ChangeID: (receivedAt: String, clockSkew: Int64?)] {
        guard !ids.isEmpty else { return [:] }
        return try pool.read { db in
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

    public func firstCursor(of cases: Set<String>) throws -> UInt64? {
        guard !cases.isEmpty else { return nil }
        return try pool.read { db in
            try Int64.fetchOne(db, sql: """
                SELECT min(l.cursor) FROM central_log l JOIN change_log c ON c.device_id = l.device_id AND c.seq = l.seq
                WHERE c.case_id IN (\(databaseQuestionMarks(count: cases.count)))
                """, arguments: StatementArguments(Array(cases))).map(UInt64.init)
        }
    }

    public func topCursor() throws -> UInt64 {
        try pool.read { db in UInt64(try Int64.fetchOne(db.cachedStatement(sql: "SELECT max(cursor) FROM central_log")) ?? 0) }
    }

    public func changes(of caseID: String, after cursor: UInt64, limit: Int) throws -> [LoggedChange] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT l.cursor, l.received_at, l.clock_skew_ms, c.* FROM change_log c
                JOIN central_log l ON l.device_id = c.device_id AND l.seq = c.seq
                WHERE c.case_id = ? AND l.cursor > ? ORDER BY l.cursor LIMIT ?
                """, arguments: [caseID, Int64(clamping: cursor), limit]).map(Self.logged)
        }
    }

    public func nextCursor(of caseID: String, after cursor: UInt64) throws -> UInt64? {
        try pool.read { db in
            try Int64.fetchOne(db, sql: """
                SELECT min(l.cursor) FROM change_log c JOIN central_log l ON l.device_id = c.device_id AND l.seq = c.seq
                WHERE c.case_id = ? AND l.cursor > ?
                """, arguments: [caseID, Int64(clamping: cursor)]).map(UInt64.init)
        }
    }

    /// A JSON array of `values`, for `IN (SELECT value FROM json_each(?))`: one statement, cached, whatever
    /// the number of values (a list of question marks makes a new statement for every length).
    static func jsonList(_ values: Set<String>) -> String {
        String(decoding: (try? JSONEncoder().encode(values.sorted())) ?? Data("[]".utf8), as: UTF8.self)
    }

    static func logged(_ row: Row) throws -> LoggedChange {
        LoggedChange(cursor: UInt64(row["cursor"] as Int64), receivedAt: row["received_at"],
                     change: try StoredChange.decode(row), clockSkew: row["clock_skew_ms"])
    }

    public func segments(of caseID: String, after cursor: UInt64, limit: Int) throws -> [CaseSegment] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM central_segment WHERE case_id = ? AND first_cursor > ? ORDER BY first_cursor LIMIT ?
                """, arguments: [caseID, Int64(clamping: cursor), limit]).map { row in
                CaseSegment(caseID: row["case_id"], firstCursor: UInt64(row["first_cursor"] as Int64),
                            lastCursor: UInt64(row["last_cursor"] as Int64), changeCount: row["changes"],
                            frame: Array(row["frame"] as Data))
            }
        }
    }

    public func sealedThrough(of caseID: String) throws -> UInt64 {
        try pool.read { db in
            UInt64(try Int64.fetchOne(db, sql: "SELECT max(last_cursor) FROM central_segment WHERE case_id = ?", arguments: [caseID]) ?? 0)
        }
    }

    public func storeSegments(_ segments: [CaseSegment]) throws {
        guard !segments.isEmpty else { return }
        try pool.write { db in
            let insert = try db.makeStatement(sql: """
                INSERT OR IGNORE INTO central_segment (case_id, first_cursor, last_cursor, changes, frame) VALUES (?, ?, ?, ?, ?)
                """)
            for segment in segments {
                try insert.execute(arguments: [segment.caseID, Int64(clamping: segment.firstCursor), Int64(clamping: segment.lastCursor),
                                               segment.changeCount, Data(segment.frame)])
            }
        }
    }

    public func deleteSegments(of caseID: String) throws {
        try pool.write { db in try db.execute(sql: "DELETE FROM central_segment WHERE case_id = ?", arguments: [caseID]) }
    }

    public func recordCustody(device: String, user: String, sent: [String: Int], purgeRequested: Set<String>,
                              purged: Set<String>, now: String) throws {
        guard !(sent.isEmpty && purgeRequested.isEmpty && purged.isEmpty) else { return }
        try pool.write { db in
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

    /// Every device that has held a case: when it first and last received it, and when it was purged.
    public func custody(of caseID: String) throws -> [Row] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT c.device_id, d.user, c.first_sent_at, c.last_sent_at, c.purge_requested_at, c.purged_at
                FROM central_custody c LEFT JOIN central_device d USING (device_id) WHERE c.case_id = ? ORDER BY c.first_sent_at
                """, arguments: [caseID])
        }
    }

    /// Every pull that sent changes of a case, oldest first (the last `limit`, if given).
    public func pulls(of caseID: String, limit: Int? = nil) throws -> [PullAudit] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM (SELECT at, device_id, user, changes, id FROM central_pull_audit WHERE case_id = ?
                               ORDER BY id DESC LIMIT ?) ORDER BY id
                """, arguments: [caseID, limit ?? -1]).map { row in
                PullAudit(at: row["at"], deviceID: row["device_id"], user: row["user"], changes: row["changes"])
            }
        }
    }

    // MARK: Quarantine

    public func quarantine(state: QuarantineEntry.State?) throws -> [QuarantineEntry] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM central_quarantine WHERE ? IS NULL OR state = ? ORDER BY id",
                             arguments: [state?.rawValue, state?.rawValue]).map(Self.entry)
        }
    }

    public func quarantineEntry(_ id: Int64) throws -> QuarantineEntry? {
        try pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM central_quarantine WHERE id = ?", arguments: [id]).map(Self.entry) }
    }

    public func resolveQuarantine(_ id: Int64, state: QuarantineEntry.State, by: String, note: String?, now: String) throws {
        try pool.write { db in
            try db.execute(sql: "UPDATE central_quarantine SET state = ?, resolved_by = ?, resolved_at = ?, note = ? WHERE id = ?",
                           arguments: [state.rawValue, by, now, note, id])
        }
    }

    static func entry(_ row: Row) throws -> QuarantineEntry {
        let bytes: Data = row["change"]
        let change = try Fieldbook_V1_Change(serializedBytes: Array(bytes)).decoded()
        return QuarantineEntry(id: row["id"], change: change, pushedBy: row["pushed_by"], reason: row["reason"], receivedAt: row["received_at"],
                               state: QuarantineEntry.State(rawValue: row["state"]) ?? .held, resolvedBy: row["resolved_by"],
                               resolvedAt: row["resolved_at"], note: row["note"])
    }
}

/// One push's transaction on SQLite.
///
/// Every statement is a cached one: they run once or more for each pushed change, and compiling a statement
/// (with the authorizer GRDB installs to learn what it reads) cost more than running it.
struct SQLiteIntake: CentralIntake {
    let db: Database

    func chainHead(of deviceID: String) throws -> (seq: Int64, hash: String)? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT seq, hash FROM central_chain WHERE device_id = ?"), arguments: [deviceID])
            .map { ($0["seq"], $0["hash"]) }
    }

    func setChainHead(of deviceID: String, seq: Int64, hash: String) throws {
        try db.cachedStatement(sql: "INSERT OR REPLACE INTO central_chain (device_id, seq, hash) VALUES (?, ?, ?)")
            .execute(arguments: [deviceID, seq, hash])
    }

    func received(_ id: ChangeID) throws -> ReceivedChange? {
        if let hash = try String.fetchOne(db.cachedStatement(sql: "SELECT hash FROM change_log WHERE device_id = ? AND seq = ?"),
                                          arguments: [id.deviceID, id.seq]) {
            return .accepted(hash: hash)
        }
        guard let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT id, change, reason FROM central_quarantine WHERE device_id = ? AND seq = ? AND pushed_by = device_id ORDER BY id LIMIT 1
            """), arguments: [id.deviceID, id.seq]) else { return nil }
        let bytes: Data = row["change"]
        return .quarantined(hash: try Fieldbook_V1_Change(serializedBytes: Array(bytes)).hash, reason: row["reason"], id: row["id"])
    }

    func record(_ recordID: String) throws -> RecordState? {
        try StoredRecord.state(of: recordID, db)
    }

    func snapshot(_ recordID: String) throws -> RecordSnapshot? {
        try StoredRecord.snapshot(of: recordID, db)
    }

    func record(sealedBy finalisation: Change) throws -> RecordState? {
        try StoredRecord.state(sealedBy: finalisation, db)
    }

    func allocations(of caseID: String) throws -> [Allocation] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM central_allocation WHERE case_id = ? ORDER BY id"), arguments: [caseID]).map { row in
            Allocation(caseID: row["case_id"], worker: row["worker"], from: row["from_at"], to: row["to_at"],
                       reason: row["reason"], by: row["by_user"])
        }
    }

    func user(named name: String) throws -> CentralUser? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM central_user WHERE name = ?"), arguments: [name]).flatMap(SQLiteCentralStorage.user)
    }

    func accept(_ change: Change) throws {
        try ChangeApplier.apply([change], db)
    }

    func flagClockSkew(_ id: ChangeID, milliseconds: Int64) throws {
        try db.cachedStatement(sql: "UPDATE central_log SET clock_skew_ms = ? WHERE device_id = ? AND seq = ?")
            .execute(arguments: [milliseconds, id.deviceID, id.seq])
    }

    func quarantine(_ change: Change, pushedBy device: String, reason: String, now: String) throws -> Int64 {
        try db.execute(sql: """
            INSERT INTO central_quarantine (device_id, seq, author, case_id, record_id, pushed_by, change, reason, received_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [change.id.deviceID, change.id.seq, change.author, change.caseID, change.recordID, device,
                             Data(try Fieldbook_V1_Change(change).serializedBytes() as [UInt8]), reason, now])
        return db.lastInsertedRowID
    }
}

/// An administration command that cannot be carried out, with the reason.
public struct CentralAdminError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension Bool {
    static func exists(_ db: Database, _ sql: String, _ arguments: StatementArguments) throws -> Bool {
        try Bool.fetchOne(db, sql: sql, arguments: arguments) ?? false
    }
}
