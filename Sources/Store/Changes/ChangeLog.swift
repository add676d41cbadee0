import Foundation
package import GRDB

/// Reading and writing the `change_log` table.
///
/// The table is append-only: a change is inserted once, with the record's new state, in the transaction
/// that made it, and is never updated. It is deleted only when its case is purged from the device
/// (`CaseStore.purgeCase`), which first raises ``ClockHighWater``.
enum ChangeLog {
    static let columns = """
        device_id, seq, hlc, recorded_at, author, record_id, record_type, case_id, kind, writes, sealed, \
        prev_hash, hash
        """

    static func insert(_ change: Change, _ db: Database) throws {
        let statement = try db.cachedStatement(sql: "INSERT INTO change_log (\(columns)) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)")
        try statement.execute(
            arguments: [change.id.deviceID, change.id.seq, change.hlc.rawValue, change.recordedAt,
                        change.author, change.recordID, change.recordType.rawValue, change.caseID,
                        change.kind.rawValue, CompactJSON.encode(change.writes),
                        CompactJSON.encode(change.sealed), change.previousHash, change.hash])
    }

    /// Every change of one record that takes part in its merge, in no particular order (the merge does not
    /// need one): all but this device's own changes the central peer quarantined. Those stay in the log
    /// (and in `rejected`), but the record is what the peer and every other replica hold.
    static func changes(ofRecord recordID: String, _ db: Database) throws -> [Change] {
        try fetch(db, where: "record_id = ? AND NOT (\(isQuarantined))", [recordID])
    }

    /// SQL: the `change_log` row is one of this device's changes the central peer quarantined.
    static let isQuarantined = """
        EXISTS (SELECT 1 FROM change_receipt q WHERE q.device_id = change_log.device_id AND q.seq = change_log.seq \
        AND q.status = 'quarantined')
        """

    static func fetch(_ db: Database, where condition: String, _ arguments: StatementArguments = [],
                      orderBy: String = "hlc, device_id, seq", limit: Int? = nil) throws -> [Change] {
        let limitClause = limit.map { " LIMIT \(max(0, $0))" } ?? ""
        let statement = try db.cachedStatement(sql: "SELECT \(columns) FROM change_log WHERE \(condition) ORDER BY \(orderBy)\(limitClause)")
        let rows = try Row.fetchCursor(statement, arguments: arguments)
        var changes: [Change] = []
        while let row = try rows.next() { changes.append(try decode(row)) }
        return changes
    }

    /// The latest change of `deviceID`: its sequence number and hash, which the next change chains to.
    /// Changes that left with a purged case still count: their links are kept in `purged_link`.
    static func head(of deviceID: String, _ db: Database) throws -> (seq: Int64, hash: String)? {
        // Two index lookups: a UNION under one ORDER BY ... LIMIT would read every change of the device.
        let logged = try Row.fetchOne(db.cachedStatement(sql: "SELECT seq, hash FROM change_log WHERE device_id = ? ORDER BY seq DESC LIMIT 1"),
                                      arguments: [deviceID]).map { (seq: $0["seq"] as Int64, hash: $0["hash"] as String) }
        let purged = try Row.fetchOne(db.cachedStatement(sql: "SELECT seq, hash FROM purged_link WHERE device_id = ? ORDER BY seq DESC LIMIT 1"),
                                      arguments: [deviceID]).map { (seq: $0["seq"] as Int64, hash: $0["hash"] as String) }
        guard let purged else { return logged }
        guard let logged else { return purged }
        return logged.seq >= purged.seq ? logged : purged
    }

    /// The highest HLC this store has seen, local or remote, including changes purged since
    /// (``ClockHighWater``): the device's clock never runs backwards.
    static func latestHLC(_ db: Database) throws -> HLC {
        max(HLC(rawValue: try Int64.fetchOne(db.cachedStatement(sql: "SELECT max(hlc) FROM change_log")) ?? 0), try ClockHighWater.read(db))
    }

    /// A stored row as a change, keeping the hash it claims. Rows that do not decode are reported as
    /// corruption by `verify` rather than crashing anything.
    static func decode(_ row: Row) throws -> Change {
        let device: String = row["device_id"]
        let seq: Int64 = row["seq"]
        let typeName: String = row["record_type"]
        let kindName: String = row["kind"]
        guard let type = RecordType(rawValue: typeName) else {
            throw StoreError.inconsistent("change \(device):\(seq) has an unknown record type '\(typeName)'")
        }
        guard let kind = ChangeKind(rawValue: kindName) else {
            throw StoreError.inconsistent("change \(device):\(seq) has an unknown kind '\(kindName)'")
        }
        let writesText: String = row["writes"]
        let sealedText: String = row["sealed"]
        let writes: [FieldWrite]
        let sealed: [ChangeID]
        do {
            writes = try CompactJSONReader.writes(writesText) ?? JSONCoding.decode([FieldWrite].self, from: writesText)
            sealed = try CompactJSONReader.ids(sealedText) ?? JSONCoding.decode([ChangeID].self, from: sealedText)
        } catch {
            throw StoreError.inconsistent("change \(device):\(seq) has unreadable writes or seal")
        }
        return Change(id: ChangeID(deviceID: device, seq: seq), hlc: HLC(rawValue: row["hlc"]),
                      recordedAt: row["recorded_at"], author: row["author"], recordID: row["record_id"],
                      recordType: type, caseID: row["case_id"], kind: kind, writes: writes, sealed: sealed,
                      previousHash: row["prev_hash"], claimedHash: row["hash"])
    }
}

/// JSON with sorted keys and no escaped slashes, so the same value always gives the same text.
enum JSONCoding {
    static func string<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }
}

/// Reading a `change_log` row selected with all its columns, for layers that keep tables beside it.
public enum StoredChange {
    package static func decode(_ row: Row) throws -> Change { try ChangeLog.decode(row) }
}
