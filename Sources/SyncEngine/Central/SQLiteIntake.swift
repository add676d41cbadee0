import Foundation
import GRDB
import Store
import SwiftProtobuf

/// One push's transaction on SQLite: `BEGIN IMMEDIATE` on the writer connection, each operation a visit to
/// it, then `COMMIT`. The storage's ``WriterTurns`` keep every other write of the process out meanwhile.
///
/// Every statement is a cached one: they run once or more for each pushed change, and compiling a statement
/// (with the authorizer GRDB installs to learn what it reads) cost more than running it.
struct SQLiteIntake: CentralIntake {
    let pool: DatabasePool

    /// Runs `body` in one transaction on the writer; rolls it back if `body` or the commit fails.
    static func run<T: Sendable>(on pool: DatabasePool, _ body: @Sendable (any CentralIntake) async throws -> T) async throws -> T {
        try await pool.writeWithoutTransaction { db in try db.execute(sql: "BEGIN IMMEDIATE TRANSACTION") }
        do {
            let result = try await body(SQLiteIntake(pool: pool))
            try await pool.writeWithoutTransaction { db in try db.execute(sql: "COMMIT TRANSACTION") }
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
        try await pool.writeWithoutTransaction { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT seq, hash FROM central_chain WHERE device_id = ?"), arguments: [deviceID])
                .map { ($0["seq"], $0["hash"]) }
        }
    }

    func setChainHead(of deviceID: String, seq: Int64, hash: String) async throws {
        try await pool.writeWithoutTransaction { db in
            try db.cachedStatement(sql: "INSERT OR REPLACE INTO central_chain (device_id, seq, hash) VALUES (?, ?, ?)")
                .execute(arguments: [deviceID, seq, hash])
        }
    }

    func received(_ id: ChangeID) async throws -> ReceivedChange? {
        try await pool.writeWithoutTransaction { db in
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
    }

    func record(_ recordID: String) async throws -> RecordState? {
        try await pool.writeWithoutTransaction { db in try StoredRecord.state(of: recordID, db) }
    }

    func snapshot(_ recordID: String) async throws -> RecordSnapshot? {
        try await pool.writeWithoutTransaction { db in try StoredRecord.snapshot(of: recordID, db) }
    }

    func record(sealedBy finalisation: Change) async throws -> RecordState? {
        try await pool.writeWithoutTransaction { db in try StoredRecord.state(sealedBy: finalisation, db) }
    }

    func allocations(of caseID: String) async throws -> [Allocation] {
        try await pool.writeWithoutTransaction { db in try SQLiteCentralStorage.allocations(of: caseID, db) }
    }

    func user(named name: String) async throws -> CentralUser? {
        try await pool.writeWithoutTransaction { db in try SQLiteCentralStorage.user(named: name, db) }
    }

    func accept(_ change: Change, receivedAt: String) async throws {
        // Its place in the log and its wire form first, stamped with the peer's clock; the change log's
        // trigger then finds the row there (it stamps only the replica's own changes).
        let wire = Data(try Fieldbook_V1_Change(change).serializedBytes() as [UInt8])
        try await pool.writeWithoutTransaction { db in
            try db.cachedStatement(sql: """
                INSERT INTO central_log (device_id, seq, case_id, received_at, wire) VALUES (?, ?, ?, ?, ?)
                """).execute(arguments: [change.id.deviceID, change.id.seq, change.caseID, receivedAt, wire])
            try ChangeApplier.apply([change], db)
        }
    }

    func flagClockSkew(_ id: ChangeID, milliseconds: Int64) async throws {
        try await pool.writeWithoutTransaction { db in
            try db.cachedStatement(sql: "UPDATE central_log SET clock_skew_ms = ? WHERE device_id = ? AND seq = ?")
                .execute(arguments: [milliseconds, id.deviceID, id.seq])
        }
    }

    func quarantine(_ change: Change, pushedBy device: String, reason: String, now: String) async throws -> Int64 {
        let bytes = Data(try Fieldbook_V1_Change(change).serializedBytes() as [UInt8])
        return try await pool.writeWithoutTransaction { db in
            try db.execute(sql: """
                INSERT INTO central_quarantine (device_id, seq, author, case_id, record_id, pushed_by, change, reason, received_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [change.id.deviceID, change.id.seq, change.author, change.caseID, change.recordID, device,
                                 bytes, reason, now])
            return db.lastInsertedRowID
        }
    }
}
