import Central
import Foundation
import Logging
internal import PostgresNIO
import Store
import SwiftProtobuf
import SyncProtocol

/// `fieldbook admin migrate` into (or out of) PostgreSQL: the tables row by row under SQLite's column names,
/// the log with its cursors.
extension PostgresCentralStorage: CentralArchiving {
    /// Columns PostgreSQL names otherwise: `user` is a reserved word there.
    private static func column(_ name: String) -> String { name == "user" ? "user_name" : name }

    /// Tables whose ids PostgreSQL generates: an import writes the source's ids, then moves the generator
    /// past them.
    private static let generatedIDs: Set<ArchivedTable> = [.allocations, .pullAudit, .quarantine]

    public func isEmpty() async throws -> Bool {
        try await rows("SELECT 1 FROM central_user UNION ALL SELECT 1 FROM central_log LIMIT 1").isEmpty
    }

    public func exportRows(of table: ArchivedTable, after: [ArchiveValue]?, limit: Int) async throws -> [ArchiveRow] {
        // Text keys in byte order (the C collation), as SQLite orders them, so both engines page alike.
        let keys = table.key.map { key in ["id", "version"].contains(key) ? key : "\(Self.column(key)) COLLATE \"C\"" }
        var sql = "SELECT \(table.columns.map(Self.column).joined(separator: ", ")) FROM \(table.name)"
        var bindings = PostgresBindings()
        if let after, after.count == keys.count {
            for value in after { bindings.append(value) }
            sql += " WHERE (\(keys.joined(separator: ", "))) > (\((1...keys.count).map { "$\($0)" }.joined(separator: ", ")))"
        }
        sql += " ORDER BY \(keys.joined(separator: ", ")) LIMIT \(max(1, limit))"
        return try await rows(PostgresQuery(unsafeSQL: sql, binds: bindings)).map { row in
            var archived: ArchiveRow = [:]
            for (name, cell) in zip(table.columns, row) { archived[name] = try ArchiveValue(cell) }
            return archived
        }
    }

    public func importRows(_ rows: [ArchiveRow], into table: ArchivedTable) async throws {
        guard !rows.isEmpty else { return }
        let columns = table.columns.map(Self.column).joined(separator: ", ")
        let overriding = Self.generatedIDs.contains(table) ? " OVERRIDING SYSTEM VALUE" : ""
        let logger = logger
        try await transaction { connection in
            for row in rows {
                var bindings = PostgresBindings()
                for column in table.columns { bindings.append(row[column] ?? .null) }
                let placeholders = (1...table.columns.count).map { "$\($0)" }.joined(separator: ", ")
                try await connection.query(PostgresQuery(unsafeSQL: "INSERT INTO \(table.name) (\(columns))\(overriding) VALUES (\(placeholders))",
                                                         binds: bindings), logger: logger)
            }
            if Self.generatedIDs.contains(table) {
                try await connection.query(PostgresQuery(unsafeSQL: """
                    SELECT setval(pg_get_serial_sequence('\(table.name)', 'id'), (SELECT max(id) FROM \(table.name)))
                    """), logger: logger)
            }
        }
    }

    public func exportLog(after cursor: UInt64, limit: Int) async throws -> [LoggedChange] {
        try await rows("""
            SELECT cursor, received_at, clock_skew_ms, wire FROM central_log WHERE cursor > \(Int64(clamping: cursor))
            ORDER BY cursor LIMIT \(max(1, limit))
            """).map(Self.logged)
    }

    public func importLog(_ entries: [LoggedChange]) async throws {
        guard !entries.isEmpty else { return }
        let wires = try entries.map { ByteBuffer(bytes: try Fieldbook_V1_Change($0.change).serializedBytes() as [UInt8]) }
        let logger = logger
        try await transaction { connection in
            try await connection.query("""
                INSERT INTO central_log (cursor, device_id, seq, case_id, record_id, received_at, clock_skew_ms, hash, wire)
                SELECT cur, d, s, c, r, t, CASE WHEN k THEN skew END, h, w
                FROM unnest(\(entries.map { Int64(clamping: $0.cursor) })::bigint[], \(entries.map(\.change.id.deviceID))::text[],
                            \(entries.map(\.change.id.seq))::bigint[], \(entries.map(\.change.caseID))::text[],
                            \(entries.map(\.change.recordID))::text[], \(entries.map(\.receivedAt))::text[],
                            \(entries.map { $0.clockSkew != nil })::boolean[], \(entries.map { $0.clockSkew ?? 0 })::bigint[],
                            \(entries.map(\.change.hash))::text[], \(wires)::bytea[])
                    AS u(cur, d, s, c, r, t, k, skew, h, w)
                """, logger: logger)
            try await PostgresRecords(connection: connection, logger: logger).merge(entries.map(\.change))
        }
    }

    public func importPeerDeviceID(_ id: String) async throws {
        try await run("UPDATE central_meta SET value = \(id) WHERE key = 'peer_device_id'")
    }
}

extension ArchiveValue {
    /// A cell of the peer's tables: text, a whole number or bytes.
    init(_ cell: PostgresCell) throws {
        guard cell.bytes != nil else {
            self = .null
            return
        }
        switch cell.dataType {
        case .int8, .int4, .int2: self = .integer(try cell.decode(Int64.self))
        case .bytea: self = .blob([UInt8](try cell.decode(Data.self)))
        default: self = .text(try cell.decode(String.self))
        }
    }
}

extension PostgresBindings {
    mutating func append(_ value: ArchiveValue) {
        switch value {
        case .null: appendNull()
        case .integer(let integer): append(integer)
        case .text(let text): append(text)
        case .blob(let bytes): append(ByteBuffer(bytes: bytes))
        }
    }
}
