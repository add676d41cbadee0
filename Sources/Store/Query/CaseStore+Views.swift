internal import GRDB

/// One documented view as an analyst sees it: its columns, in order, and how many rows it has.
public struct ViewDescription: Sendable, Equatable {
    public let name: String
    public let columns: [String]
    public let rows: Int
}

extension CaseStore {
    /// The documented views (``ReadOnlyViews``), by name, with their columns and row counts: what
    /// `.tables`, `.schema` and `\d` show. Read from the views themselves, so it is never out of step.
    public func viewDescriptions() throws -> [ViewDescription] {
        try ReadOnlyViews.names.sorted().map { try viewDescription($0) }
    }

    /// One documented view; ``StoreError/noSuchView(_:)`` for any other name.
    public func viewDescription(_ name: String) throws -> ViewDescription {
        guard ReadOnlyViews.names.contains(name) else { throw StoreError.noSuchView(name) }
        return try pool.read { db in
            // The name is one of the fixed set above, never the user's text.
            let statement = try db.makeStatement(sql: "SELECT * FROM \(name) LIMIT 0")
            let rows = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(name)") ?? 0
            return ViewDescription(name: name, columns: statement.columnNames, rows: rows)
        }
    }
}
