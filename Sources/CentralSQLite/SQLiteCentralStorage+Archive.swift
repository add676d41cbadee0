import Central
import Foundation
internal import GRDB
import Store
import SwiftProtobuf
import SyncProtocol

extension SQLiteCentralStorage: CentralArchiving {
    public func isEmpty() async throws -> Bool {
        try await read { db in
            try !Bool.exists(db, "SELECT 1 FROM central_user UNION ALL SELECT 1 FROM central_log", [])
        }
    }

    public func exportRows(of table: ArchivedTable, after: [ArchiveValue]?, limit: Int) async throws -> [ArchiveRow] {
        try await read { db in
            let keys = table.key.joined(separator: ", ")
            var sql = "SELECT \(table.columns.joined(separator: ", ")) FROM \(table.name)"
            var arguments = StatementArguments()
            if let after, after.count == table.key.count {
                sql += " WHERE (\(keys)) > (\(databaseQuestionMarks(count: after.count)))"
                arguments = StatementArguments(after.map(\.databaseValue))
            }
            sql += " ORDER BY \(keys) LIMIT ?"
            arguments += [limit]
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                var archived: ArchiveRow = [:]
                for column in table.columns { archived[column] = ArchiveValue(row[column] as DatabaseValue) }
                return archived
            }
        }
    }

    public func importRows(_ rows: [ArchiveRow], into table: ArchivedTable) async throws {
        guard !rows.isEmpty else { return }
        try await write { db in
            let insert = try db.makeStatement(sql: """
                INSERT INTO \(table.name) (\(table.columns.joined(separator: ", "))) VALUES (\(databaseQuestionMarks(count: table.columns.count)))
                """)
            for row in rows {
                try insert.execute(arguments: StatementArguments(table.columns.map { (row[$0] ?? .null).databaseValue }))
            }
        }
    }

    public func exportLog(after cursor: UInt64, limit: Int) async throws -> [LoggedChange] {
        try await read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT \(Self.loggedColumns) FROM central_log l \(Self.unencodedJoin) WHERE l.cursor > ? ORDER BY l.cursor LIMIT ?
                """), arguments: [Int64(clamping: cursor), limit]).map(Self.logged)
        }
    }

    public func importLog(_ entries: [LoggedChange]) async throws {
        guard !entries.isEmpty else { return }
        let rows = try entries.map { entry in (entry, Data(try Fieldbook_V1_Change(entry.change).serializedBytes() as [UInt8])) }
        try await write { db in
            let insert = try db.cachedStatement(sql: """
                INSERT INTO central_log (cursor, device_id, seq, case_id, received_at, clock_skew_ms, wire) VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
            for (entry, wire) in rows {
                try insert.execute(arguments: [Int64(clamping: entry.cursor), entry.change.id.deviceID, entry.change.id.seq,
                                               entry.change.caseID, entry.receivedAt, entry.clockSkew, wire])
            }
            _ = try ChangeApplier.apply(entries.map(\.change), db)
        }
    }

    public func importPeerDeviceID(_ id: String) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE store_meta SET value = ? WHERE key = 'device_id'", arguments: [id])
        }
    }
}

extension ArchiveValue {
    init(_ value: DatabaseValue) {
        switch value.storage {
        case .null: self = .null
        case .int64(let integer): self = .integer(integer)
        case .double(let double): self = .text(String(double))
        case .string(let text): self = .text(text)
        case .blob(let data): self = .blob(Array(data))
        }
    }

    var databaseValue: DatabaseValue {
        switch self {
        case .null: return .null
        case .integer(let integer): return integer.databaseValue
        case .text(let text): return text.databaseValue
        case .blob(let bytes): return Data(bytes).databaseValue
        }
    }
}
