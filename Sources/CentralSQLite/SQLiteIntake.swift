import Central
import Foundation
internal import GRDB
import Store
import SwiftProtobuf
import SyncProtocol

/// One push's transaction on SQLite: `BEGIN IMMEDIATE` on the writer connection, each operation a visit to
/// it, then `COMMIT`. The storage's ``WriterTurns`` keep every other write of the process out meanwhile.
///
/// Every statement is a cached one: they run once or more for each pushed change, and compiling a statement
/// (with the authorizer GRDB installs to learn what it reads) cost more than running it.
struct SQLiteIntake: CentralIntake {
    let pool: DatabasePool

    /// One visit to the writer connection, inside the open transaction.
    private func onWriter<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let pool = pool
        return try await SQLiteCentralStorage.offThread { try pool.writeWithoutTransaction(work) }
    }

    /// Runs `body` in one transaction on the writer; rolls it back if `body` or the commit fails.
    static func run<T: Sendable>(on pool: DatabasePool, _ body: @Sendable (any CentralIntake) async throws -> T) async throws -> T {
        let intake = SQLiteIntake(pool: pool)
        try await intake.onWriter { db in try db.execute(sql: "BEGIN IMMEDIATE TRANSACTION") }
        do {
            let result = try await body(intake)
            try await intake.onWriter { db in try db.execute(sql: "COMMIT TRANSACTION") }
            return result
        } catch {
            rollBack(pool)
            throw error
        }
    }

    /// Ends the transaction if it is still open. Synchronous, so that a cancelled task cannot skip it: an
    /// open transaction would hold the writer for good. A failed rollback (the transaction had ended
    /// already) changes nothing.
    private static func rollBack(_ pool: DatabasePool) {
        pool.writeWithoutTransaction { db in
            if db.isInsideTransaction { try? db.execute(sql: "ROLLBACK TRANSACTION") }
        }
    }

    func chainHead(of deviceID: String) async throws -> (seq: Int64, hash: String)? {
        try await onWriter { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT seq, hash FROM central_chain WHERE device_id = ?"), arguments: [deviceID])
                .map { ($0["seq"], $0["hash"]) }
        }
    }

    func setChainHead(of deviceID: String, seq: Int64, hash: String) async throws {
        try await onWriter { db in
            try db.cachedStatement(sql: "INSERT OR REPLACE INTO central_chain (device_id, seq, hash) VALUES (?, ?, ?)")
                .execute(arguments: [deviceID, seq, hash])
        }
    }

    func received(_ ids: [ChangeID]) async throws -> [ChangeID: ReceivedChange] {
        try await onWriter { db in
            let accepted = try db.cachedStatement(sql: "SELECT hash FROM change_log WHERE device_id = ? AND seq = ?")
            let quarantined = try db.cachedStatement(sql: """
                SELECT id, change, reason FROM central_quarantine WHERE device_id = ? AND seq = ? AND pushed_by = device_id ORDER BY id LIMIT 1
                """)
            var found: [ChangeID: ReceivedChange] = [:]
            for id in ids where found[id] == nil {
                if let hash = try String.fetchOne(accepted, arguments: [id.deviceID, id.seq]) {
                    found[id] = .accepted(hash: hash)
                } else if let row = try Row.fetchOne(quarantined, arguments: [id.deviceID, id.seq]) {
                    let bytes: Data = row["change"]
                    found[id] = .quarantined(hash: try Fieldbook_V1_Change(serializedBytes: Array(bytes)).hash, reason: row["reason"], id: row["id"])
                }
            }
            return found
        }
    }

    func records(_ ids: Set<String>) async throws -> [String: RecordState] {
        try await onWriter { db in
            var states: [String: RecordState] = [:]
            for id in ids {
                if let state = try StoredRecord.state(of: id, db) { states[id] = state }
            }
            return states
        }
    }

    func snapshot(_ recordID: String) async throws -> RecordSnapshot? {
        try await onWriter { db in try StoredRecord.snapshot(of: recordID, db) }
    }

    func record(sealedBy finalisation: Change) async throws -> RecordState? {
        try await onWriter { db in try StoredRecord.state(sealedBy: finalisation, db) }
    }

    func allocations(of cases: Set<String>) async throws -> [String: [Allocation]] {
        try await onWriter { db in
            var allocations: [String: [Allocation]] = [:]
            for caseID in cases {
                let found = try SQLiteCentralStorage.allocations(of: caseID, db)
                if !found.isEmpty { allocations[caseID] = found }
            }
            return allocations
        }
    }

    func users(named names: Set<String>) async throws -> [String: CentralUser] {
        try await onWriter { db in
            var users: [String: CentralUser] = [:]
            for name in names {
                if let user = try SQLiteCentralStorage.user(named: name, db) { users[name] = user }
            }
            return users
        }
    }

    func accept(_ changes: [AcceptedChange]) async throws {
        guard !changes.isEmpty else { return }
        // Each change's place in the log and its wire form first, stamped with the peer's clock; the change
        // log's trigger then finds the row there (it stamps only the replica's own changes). The changes are
        // then merged together, each record once.
        let rows = try changes.map { accepted in
            (accepted, Data(try Fieldbook_V1_Change(accepted.change).serializedBytes() as [UInt8]))
        }
        try await onWriter { db in
            let insert = try db.cachedStatement(sql: """
                INSERT INTO central_log (device_id, seq, case_id, received_at, clock_skew_ms, wire) VALUES (?, ?, ?, ?, ?, ?)
                """)
            for (accepted, wire) in rows {
                let change = accepted.change
                try insert.execute(arguments: [change.id.deviceID, change.id.seq, change.caseID, accepted.receivedAt, accepted.clockSkew, wire])
            }
            _ = try ChangeApplier.apply(changes.map(\.change), db)
        }
    }

    func allocate(_ caseID: String, to worker: String?, at: String, reason: String?, by: String) async throws {
        try await onWriter { db in
            try db.cachedStatement(sql: "UPDATE central_allocation SET to_at = ? WHERE case_id = ? AND to_at IS NULL")
                .execute(arguments: [at, caseID])
            if let worker {
                try db.cachedStatement(sql: "INSERT INTO central_allocation (case_id, worker, from_at, reason, by_user) VALUES (?, ?, ?, ?, ?)")
                    .execute(arguments: [caseID, worker, at, reason, by])
            }
        }
    }

    func quarantine(_ change: Change, pushedBy device: String, reason: String, now: String) async throws -> Int64 {
        let bytes = Data(try Fieldbook_V1_Change(change).serializedBytes() as [UInt8])
        return try await onWriter { db in
            try db.execute(sql: """
                INSERT INTO central_quarantine (device_id, seq, author, case_id, record_id, pushed_by, change, reason, received_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [change.id.deviceID, change.id.seq, change.author, change.caseID, change.recordID, device,
                                 bytes, reason, now])
            return db.lastInsertedRowID
        }
    }
}
