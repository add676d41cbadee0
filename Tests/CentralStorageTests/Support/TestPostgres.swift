import Central
import Foundation
import Seeded
import Logging
import PostgresNIO
import Testing
@testable import CentralPostgres

/// The PostgreSQL server the tests use: `FIELDBOOK_TEST_POSTGRES` (a server URL, as CI exports it), or a
/// throwaway cluster started through `.ci/postgres.sh` where PostgreSQL's binaries are installed. The
/// cluster a test run starts is stopped, and its data deleted, once the test process has ended
/// (`.ci/postgres.sh start --watch PID`).
actor TestPostgres {
    static let shared = TestPostgres()

    /// The server URL, or why there is none.
    private var server: Result<String, Unavailable>?

    struct Unavailable: Error, CustomStringConvertible {
        let description: String
    }

    /// The server's URL; cancels the calling test (a skip, not a failure) saying why where there is none.
    static func serverURL() async throws -> String {
        switch await shared.resolve() {
        case .success(let url): return url
        case .failure(let why): try Test.cancel("PostgreSQL tests skipped: \(why)")
        }
    }

    private func resolve() -> Result<String, Unavailable> {
        if let server { return server }
        let found = Self.find()
        server = found
        return found
    }

    /// `.ci/postgres.sh`, which starts and stops throwaway clusters.
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(".ci/postgres.sh")

    private static func find() -> Result<String, Unavailable> {
        if let url = ProcessInfo.processInfo.environment["FIELDBOOK_TEST_POSTGRES"], !url.isEmpty { return .success(url) }
        let bin = ProcessInfo.processInfo.environment["POSTGRES_BIN"] ?? "/usr/lib/postgresql/15/bin"
        guard FileManager.default.isExecutableFile(atPath: bin + "/initdb") else {
            return .failure(Unavailable(description: """
                FIELDBOOK_TEST_POSTGRES is not set and there is no PostgreSQL in \(bin) to start one \
                (apt-get install postgresql, or run .ci/postgres.sh start and export its URL)
                """))
        }
        let script = Self.script
        let started: (status: Int32, output: String, errors: String)
        do {
            started = try runTool("/bin/bash", [script.path, "start", "--watch", String(getpid())])
        } catch {
            return .failure(Unavailable(description: "\(script.path) could not be run: \(error)"))
        }
        let url = started.output
        guard started.status == 0, !url.isEmpty else {
            return .failure(Unavailable(description: "\(script.path) start failed: \(started.errors)"))
        }
        return .success(url)
    }
}

/// A fresh database on the test server, made for one test and dropped after it.
struct TestDatabase: Sendable {
    let url: String
    private let server: String
    private let name: String

    /// Runs `body` with a new database's URL; drops the database afterwards, whatever `body` did.
    static func with<T>(_ body: (TestDatabase) async throws -> T) async throws -> T {
        let server = try await TestPostgres.serverURL()
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try await Self.administer(server, "CREATE DATABASE \(name)")
        guard var components = URLComponents(string: server) else { throw TestPostgres.Unavailable(description: "bad server URL") }
        components.path = "/" + name
        let database = TestDatabase(url: components.string ?? server, server: server, name: name)
        do {
            let result = try await body(database)
            try await Self.administer(server, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
            return result
        } catch {
            try? await Self.administer(server, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
            throw error
        }
    }

    /// Runs statements on the database at `server` (one that cannot run in a transaction, `CREATE DATABASE`,
    /// on the server's own). The statements are the tests' own, never anything from outside them.
    private static func administer(_ server: String, _ sql: String) async throws {
        let location = try PostgresLocation(server)
        let connection = try await PostgresConnection.connect(configuration: try location.connectionConfiguration(), id: 1,
                                                              logger: Logger(label: "test.postgres"))
        do {
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Logger(label: "test.postgres"))
            try? await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Runs statements the test wrote on this database (a trigger that plays a full disk).
    func execute(_ sql: String) async throws {
        try await Self.administer(url, sql)
    }

    /// A storage on this database (another instance of the peer, when called again).
    func open() async throws -> PostgresCentralStorage {
        try await PostgresCentralStorage(url: url)
    }
}

extension TestDatabase {
    /// A quiet peer on a storage on this database, and a scratch folder for the devices' stores; the storage is
    /// closed and the folder removed after `body`.
    func withPeer<T>(_ body: (PostgresCentralStorage, CentralPeer, URL) async throws -> T) async throws -> T {
        let storage = try await open()
        defer { storage.close() }
        var logger = Logger(label: "test.central")
        logger.logLevel = .critical
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fieldbook-pg-devices-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        return try await body(storage, CentralPeer(storage: storage, logger: logger), folder)
    }
}
