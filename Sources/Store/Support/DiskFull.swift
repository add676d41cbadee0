import Foundation
internal import GRDB

/// A full disk. SQLite reports `SQLITE_FULL` and rolls the failing transaction back, so nothing of the
/// write that hit it is kept and everything committed before is intact; the store works again as soon as
/// there is space. These helpers recognise the error and say so in words a user can act on.
public enum DiskFull {
    /// What the REPL says when a command hit a full disk. Steps a command finished before (a sync's
    /// earlier batches) stay saved; only the write that hit the full disk was rolled back.
    public static let message = """
        the disk is full: what this command was writing was not saved, and everything saved before is intact; \
        free some space and run it again
        """

    /// Whether `error` is SQLite's "database or disk is full".
    public static func matches(_ error: any Error) -> Bool {
        (error as? DatabaseError)?.resultCode == .SQLITE_FULL
    }

    /// Fault injection for the disk-full tests (docs/RELIABILITY.md): with `FIELDBOOK_FAULT_DISK_FULL=1`
    /// the store file can grow by two pages at most, as on a disk with almost no room left: the store
    /// opens (GRDB's check that the write-ahead log works needs a page), small writes may fit, and
    /// anything larger fails with SQLITE_FULL.
    static let injected = ProcessInfo.processInfo.environment["FIELDBOOK_FAULT_DISK_FULL"] == "1"

    /// Caps the file two pages above its current size when the fault is injected.
    static func applyInjectedFault(_ db: Database) throws {
        guard injected else { return }
        let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
        try db.execute(sql: "PRAGMA max_page_count = \(pages + 2)")
    }
}
