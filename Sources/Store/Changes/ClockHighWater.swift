internal import GRDB

/// The highest HLC this store has ever seen, kept in `store_meta` so that it survives the changes that carried
/// it.
///
/// A new change's HLC comes after the highest one in the change log (``HLC/next(after:wallMilliseconds:)``).
/// A purge deletes a case's changes from the log (SPEC.md §3.7); if they held the highest timestamp, the
/// maximum of what is left would be lower, and the device's next change could sort before changes its writer
/// had already seen. So whatever deletes from `change_log` first raises this mark to the log's maximum, in the
/// same transaction, and the latest HLC is the greater of the two. Rows are otherwise never deleted, so the
/// mark needs no update when a change is inserted.
enum ClockHighWater {
    static let key = "hlc.high_water"

    /// The mark, or zero when nothing was ever deleted from the log.
    static func read(_ db: Database) throws -> HLC {
        HLC(rawValue: try Int64.fetchOne(db.cachedStatement(sql: "SELECT CAST(value AS INTEGER) FROM store_meta WHERE key = ?"), arguments: [key]) ?? 0)
    }

    /// Raises the mark to the highest HLC in the change log, if that is higher. Call it, inside the same
    /// transaction, before deleting anything from `change_log`.
    static func raiseToLog(_ db: Database) throws {
        let logged = try Int64.fetchOne(db.cachedStatement(sql: "SELECT max(hlc) FROM change_log")) ?? 0
        guard logged > (try read(db)).rawValue else { return }
        try db.cachedStatement(sql: "INSERT OR REPLACE INTO store_meta (key, value) VALUES (?, ?)").execute(arguments: [key, String(logged)])
    }
}
