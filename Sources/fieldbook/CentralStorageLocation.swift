import ArgumentParser
import Central
import CentralPostgres
import CentralSQLite
import ClientSync
import Foundation
import Logging
import Store
import SyncProtocol

/// Where a central peer keeps its data, as `serve` and `admin` are told: a data folder (SQLite, the
/// embedded default) or a PostgreSQL database (several instances of the peer on one database).
enum CentralStorageLocation {
    case folder(String)
    case database(String)

    /// `--data DIR` or `--database URL` (or the URL in `FIELDBOOK_DATABASE_URL`, which keeps a password off
    /// the command line, where other users of the machine could read it): exactly one.
    init(data: String?, database: String?) throws {
        let fromEnvironment = ProcessInfo.processInfo.environment["FIELDBOOK_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        switch (data, database ?? (data == nil ? fromEnvironment : nil)) {
        case (let data?, nil): self = .folder(data)
        case (nil, let url?): self = .database(url)
        case (.some, .some): throw ValidationError("give either --data DIR or --database URL, not both")
        case (nil, nil):
            throw ValidationError("say where the central peer's data is: --data DIR (a folder, SQLite) or --database postgres://USER@HOST/DB")
        }
    }

    /// A `--to` or `--from` of `admin migrate`: a PostgreSQL URL or a folder.
    init(_ text: String) {
        let lowered = text.lowercased()
        self = lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://") ? .database(text) : .folder(text)
    }

    /// Opens the storage; `actor` is who a folder's replica attributes the peer's own changes to.
    func open(actor: String, logger: Logger) async throws -> any CentralArchiving {
        do {
            switch self {
            case .folder(let folder): return try SQLiteCentralStorage(folder: folder, actor: actor)
            case .database(let url): return try await PostgresCentralStorage(url: url, logger: logger)
            }
        } catch let error as StoreError {
            throw CommandFailure.exit(error.description)
        } catch let error as PostgresOpenError {
            throw CommandFailure.exit(error.description)
        }
    }

    /// For messages: the folder, or the database without its password.
    var description: String {
        switch self {
        case .folder(let folder): return folder
        case .database(let url):
            guard var components = URLComponents(string: url), components.password != nil else { return url }
            components.password = "***"
            return components.string ?? "the database"
        }
    }
}
