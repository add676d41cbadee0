import Central
import CentralPostgres
import CentralSQLite
import ClientSync
import Foundation
import Store
import SyncProtocol
import Testing

/// The storage engines every test of the storage protocol runs against.
enum Engine: String, Sendable, CaseIterable, CustomTestStringConvertible {
    case sqlite, postgres

    var testDescription: String { rawValue }

    /// Runs `body` with a new, empty storage of this engine, removed afterwards. PostgreSQL's test cases are
    /// skipped, saying why, where no server can be had (``TestPostgres``).
    func withStorage<T>(_ body: (any CentralStorage) async throws -> T) async throws -> T {
        switch self {
        case .sqlite:
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fieldbook-storage-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: folder) }
            return try await body(try SQLiteCentralStorage(folder: folder.path, actor: "central"))
        case .postgres:
            return try await TestDatabase.with { database in
                let storage = try await database.open()
                defer { storage.close() }
                return try await body(storage)
            }
        }
    }
}

/// Times as the peer stamps them, a second apart from a fixed start, so that tests can say "later".
struct Times {
    private let start = Timestamp.milliseconds(Date()) - 3_600_000

    func at(_ seconds: Int) -> String { Timestamp.iso8601(milliseconds: start + Int64(seconds) * 1000) }
}
