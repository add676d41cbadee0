import Foundation
import GRDBSQLite

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
    /// More rows matched than ``ReadOnlyQuery/maximumRows``; the rest were not read.
    public let truncated: Bool
}

/// Runs user-written SQL against the documented views, read-only as SQLite itself enforces it.
///
/// The query runs on its own connection, opened `SQLITE_OPEN_READONLY`, with an authorizer that allows
/// only `SELECT`, reads of the documented views (and of whatever those views read), and ordinary
/// functions. Writes, `ATTACH`, `PRAGMA`, transactions, reads of internal tables and `load_extension` are
/// refused by SQLite while the statement is compiled, so nothing depends on matching strings. A progress
/// handler stops a query after ``timeLimit``. (GRDB's own connections install GRDB's authorizer, hence a
/// plain SQLite connection here.)
public enum ReadOnlyQuery {
    public static let maximumRows = 10_000
    public static let maximumSQLBytes = 64 * 1024
    public static let timeLimit: Double = 10

    public static func run(path: String, sql: String) throws -> QueryResult {
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
        sqlite3_set_authorizer(db, { _, action, first, second, database, view in
            ReadOnlyQuery.authorize(action, first.map { String(cString: $0) }, second.map { String(cString: $0) },
                                    inDatabase: database != nil, viaView: view != nil)
        }, nil)
        let deadline = Deadline(seconds: timeLimit)
        let token = Unmanaged.passRetained(deadline)
        defer { token.release() }
        sqlite3_progress_handler(db, 10_000, { context in
            guard let context else { return 0 }
            return Unmanaged<Deadline>.fromOpaque(context).takeUnretainedValue().expired ? 1 : 0
        }, token.toOpaque())

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
        while true {
            let rc = sqlite3_step(stmt)
            if rc == SQLITE_DONE { return QueryResult(columns: columns, rows: rows, truncated: false) }
            guard rc == SQLITE_ROW else {
                if rc == SQLITE_INTERRUPT {
                    throw StoreError.query("the query ran for more than \(Int(timeLimit)) seconds and was stopped")
                }
                throw StoreError.query(explain(db))
            }
            if rows.count == maximumRows { return QueryResult(columns: columns, rows: rows, truncated: true) }
            rows.append((0..<columnCount).map { value(stmt, Int32($0)) })
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

    private final class Deadline: @unchecked Sendable {
        let end: Date
        init(seconds: Double) { end = Date().addingTimeInterval(seconds) }
        var expired: Bool { Date() > end }
    }
}
