import Foundation
internal import GRDBSQLite

/// A value in a query result.
public enum SQLValue: Sendable, Equatable, CustomStringConvertible {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(Int)

    public var description: String {
        switch self {
        case .null: return ""
        case .integer(let v): return String(v)
        case .real(let v): return String(v)
        case .text(let v): return v
        case .blob(let n): return "<\(n) bytes>"
        }
    }
}

/// The result of a read-only query.
public struct QueryResult: Sendable, Equatable {
    public let columns: [String]
    public let rows: [[SQLValue]]
    /// Why only some of the rows were read, or `nil` when every row is here.
    public let truncation: Truncation?

    /// What stopped the reading of rows before the last.
    public enum Truncation: Sendable, Equatable {
        /// More rows matched than ``ReadOnlyQuery/maximumRows``.
        case rows
        /// The rows read so far hold ``ReadOnlyQuery/maximumResultBytes`` of text.
        case bytes
    }

    /// Whether some rows were not read.
    public var truncated: Bool { truncation != nil }
}

/// Runs user-written SQL against the documented views, read-only as SQLite itself enforces it, within
/// bounds of time and memory whatever the query does.
///
/// The query runs on its own connection, opened `SQLITE_OPEN_READONLY`, with an authorizer that allows
/// only `SELECT`, reads of the documented views (and of whatever those views read), and ordinary
/// functions. Writes, `ATTACH`, `PRAGMA`, transactions, reads of internal tables and `load_extension` are
/// refused by SQLite while the statement is compiled, so nothing depends on matching strings. (GRDB's own
/// connections install GRDB's authorizer, hence a plain SQLite connection here.)
///
/// Bounds, so that one query cannot hang the REPL or exhaust the laptop's memory:
/// - time: a ``QueryWatch`` interrupts the query after ``timeLimit`` seconds, or as soon as the caller's
///   `interrupted` says so (Ctrl-C at the terminal);
/// - memory inside SQLite: no value (string, blob, `group_concat`, `zeroblob`) larger than
///   ``maximumValueBytes``; sorting and temporary tables use at most ``cacheKiB`` of memory and spill to a
///   temporary file beyond it; and, whatever the query holds at once, at most
///   ``QueryHeapLimit/headroom`` more than SQLite used before it started (``QueryHeapLimit``);
/// - memory of the result: at most ``maximumRows`` rows and ``maximumResultBytes`` of text; the rest is
///   not read and ``QueryResult/truncation`` says which limit stopped it.
public enum ReadOnlyQuery {
    public static let maximumRows = 10_000
    public static let maximumSQLBytes = 64 * 1024
    public static let timeLimit: Double = 10
    /// Far above any stored value (a field is at most 64 KiB, a record's fields together well under this).
    public static let maximumValueBytes = 16 * 1024 * 1024
    public static let maximumResultBytes = 32 * 1024 * 1024
    public static let cacheKiB = 8 * 1024

    /// Runs `sql` on the store at `path`.
    ///
    /// - Parameters:
    ///   - timeLimit: seconds before the query is stopped (tests pass a shorter one).
    ///   - interrupted: asked every few milliseconds while the query runs, from another thread; `true`
    ///     stops it (the REPL passes whether Ctrl-C was pressed).
    public static func run(path: String, sql: String, timeLimit: Double = timeLimit,
                           interrupted: @escaping @Sendable () -> Bool = { false }) throws -> QueryResult {
        try QueryHeapLimit.during { try bounded(path: path, sql: sql, timeLimit: timeLimit, interrupted: interrupted) }
    }

    private static func bounded(path: String, sql: String, timeLimit: Double,
                                interrupted: @escaping @Sendable () -> Bool) throws -> QueryResult {
        guard sql.utf8.count <= maximumSQLBytes else {
            throw StoreError.query("the query is longer than \(maximumSQLBytes / 1024) KiB")
        }
        var connection: OpaquePointer?
        defer { sqlite3_close_v2(connection) }
        guard sqlite3_open_v2(path, &connection, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK,
              let db = connection
        else { throw StoreError.query("cannot open \(path) to read") }
        sqlite3_busy_timeout(db, 5000)
        sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0)
        sqlite3_limit(db, SQLITE_LIMIT_LENGTH, Int32(maximumValueBytes))
        // Before the authorizer, which refuses every PRAGMA: temporary data goes to a file past the cache.
        guard sqlite3_exec(db, "PRAGMA cache_size = -\(cacheKiB); PRAGMA temp_store = FILE", nil, nil, nil) == SQLITE_OK else {
            throw StoreError.query(explain(db))
        }
        sqlite3_set_authorizer(db, { _, action, first, second, database, view in
            ReadOnlyQuery.authorize(action, first.map { String(cString: $0) }, second.map { String(cString: $0) },
                                    inDatabase: database != nil, viaView: view != nil)
        }, nil)
        let watch = QueryWatch(db, seconds: timeLimit, interrupted: interrupted)
        // Declared after `connection`, so it runs first: the watch lets go before the connection closes.
        defer { watch.finish() }

        var statement: OpaquePointer?
        defer { sqlite3_finalize(statement) }
        var tail: UnsafePointer<CChar>?
        let prepared = sql.withCString { text in
            let rc = sqlite3_prepare_v2(db, text, -1, &statement, &tail)
            let rest = tail.map { String(cString: $0) } ?? ""
            return (rc, rest)
        }
        guard prepared.0 == SQLITE_OK else { throw StoreError.query(explain(db)) }
        guard let stmt = statement else { throw StoreError.query("the query is empty: sql SELECT ... FROM visits") }
        if !prepared.1.trimmingCharacters(in: CharacterSet.whitespacesAndNewlines.union(CharacterSet(charactersIn: ";"))).isEmpty {
            throw StoreError.query("one statement at a time, please")
        }
        guard sqlite3_stmt_readonly(stmt) != 0 else { throw StoreError.query("only SELECT queries are allowed") }

        let columnCount = Int(sqlite3_column_count(stmt))
        let columns = (0..<columnCount).map { String(cString: sqlite3_column_name(stmt, Int32($0))) }
        var rows: [[SQLValue]] = []
        var bytes = 0
        while true {
            let rc = sqlite3_step(stmt)
            if rc == SQLITE_DONE { return QueryResult(columns: columns, rows: rows, truncation: nil) }
            guard rc == SQLITE_ROW else {
                switch (rc, watch.reason) {
                case (SQLITE_INTERRUPT, .interrupted?):
                    throw StoreError.query("the query was interrupted before it finished")
                case (SQLITE_INTERRUPT, _):
                    let seconds = Int(timeLimit)
                    throw StoreError.query("the query ran for more than \(seconds) second\(seconds == 1 ? "" : "s") and was stopped")
                case (SQLITE_NOMEM, _):
                    throw StoreError.query("the query needs more than \(QueryHeapLimit.headroom / 1024 / 1024) MiB of memory and was stopped: "
                                           + "ask for less at once (fewer or smaller values per row)")
                case (SQLITE_TOOBIG, _):
                    throw StoreError.query("a value in the query would be larger than \(maximumValueBytes / 1024 / 1024) MiB, "
                                           + "the most sql handles: ask for less (substr, length, LIMIT)")
                default:
                    throw StoreError.query(explain(db))
                }
            }
            if rows.count == maximumRows { return QueryResult(columns: columns, rows: rows, truncation: .rows) }
            if bytes >= maximumResultBytes { return QueryResult(columns: columns, rows: rows, truncation: .bytes) }
            let row = (0..<columnCount).map { value(stmt, Int32($0)) }
            bytes += row.reduce(0) { total, value in
                if case .text(let text) = value { return total + text.utf8.count }
                return total + 8
            }
            rows.append(row)
        }
    }

    /// The authorizer's decision for one action SQLite is about to compile.
    static func authorize(_ action: Int32, _ first: String?, _ second: String?, inDatabase: Bool, viaView: Bool) -> Int32 {
        switch action {
        case SQLITE_SELECT, SQLITE_RECURSIVE:
            return SQLITE_OK
        case SQLITE_READ:
            // Reads made by a documented view's own definition are allowed, and reads of the query's own
            // common table expressions (which belong to no database); top-level reads only of views.
            if viaView || !inDatabase { return SQLITE_OK }
            guard let table = first else { return SQLITE_DENY }
            return ReadOnlyViews.names.contains(table) ? SQLITE_OK : SQLITE_DENY
        case SQLITE_FUNCTION:
            return second?.lowercased() == "load_extension" ? SQLITE_DENY : SQLITE_OK
        default:
            return SQLITE_DENY
        }
    }

    private static func explain(_ db: OpaquePointer) -> String {
        let message = String(cString: sqlite3_errmsg(db))
        if message.contains("not authorized") || message.contains("prohibited") {
            return "\(message): sql is read-only and reads only the views " +
                ReadOnlyViews.names.sorted().joined(separator: ", ")
        }
        return message
    }

    private static func value(_ stmt: OpaquePointer, _ index: Int32) -> SQLValue {
        switch sqlite3_column_type(stmt, index) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(stmt, index))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(stmt, index))
        case SQLITE_TEXT: return .text(sqlite3_column_text(stmt, index).map { String(cString: $0) } ?? "")
        case SQLITE_BLOB: return .blob(Int(sqlite3_column_bytes(stmt, index)))
        default: return .null
        }
    }
}
