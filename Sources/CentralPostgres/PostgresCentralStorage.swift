import Central
import Foundation
import Logging
internal import PostgresNIO
import Store
import SyncProtocol

/// The central peer's storage in PostgreSQL: several stateless instances of the peer on one database.
///
/// Everything an instance would otherwise keep in memory is in the database, so that instances can be
/// added behind a load balancer and any of them can answer any device:
/// - the peer's device id (`central_meta`), made once per database;
/// - each record's merged state (`central_record`), which admission judges changes against;
/// - the log's order (`central_log.cursor`), handed out in commit order so that a pull never skips a
///   change (``PostgresIntake/accept(_:)``);
/// - failed enrolments per client address, so throttling counts attempts made through every instance.
///
/// Concurrent intakes are kept apart by PostgreSQL's locks (an intake is one READ COMMITTED transaction):
/// an advisory lock per device around its chain head, row locks on the records a push reads, a unique index
/// on open allocations, and one advisory lock around appending to the log. Where two intakes collide
/// (a deadlock, a record both created) one is rolled back and ``CentralStorageError/conflict(_:)`` is
/// thrown: the peer runs it again.
///
/// The storage keeps a connection pool (`PostgresClient`) running in a task of its own until ``close()``
/// or until it is released.
public final class PostgresCentralStorage: CentralStorage {
    let client: PostgresClient
    let logger: Logger
    private let running: Task<Void, Never>
    /// Where the database is, without its password.
    public let location: String
    /// How long an operation waits for a connection before the storage says it is unavailable.
    let connectionWait: Duration

    /// Opens the database at `url` (`postgres://user:password@host:port/database`), creating or upgrading
    /// its schema.
    ///
    /// - Parameter connectionWait: how long an operation waits for a connection of the pool (all of them
    ///   busy, or the server gone) before it fails with ``CentralStorageError/unavailable(_:)``.
    /// - Throws: ``PostgresOpenError`` when the URL is not one, or the server cannot be reached or refuses
    ///   the connection, saying which.
    public init(url: String, logger: Logger = Logger(label: "fieldbook.central.postgres"),
                connectionWait: Duration = .seconds(10)) async throws {
        let location = try PostgresLocation(url)
        self.location = location.description
        self.logger = logger
        self.connectionWait = connectionWait
        // The pool runs while the schema is migrated, so that it is ready by the first query.
        let client = PostgresClient(configuration: location.clientConfiguration(), backgroundLogger: logger)
        let running = Task { await client.run() }
        do {
            _ = try await Self.migrate(location, logger: logger)
        } catch {
            running.cancel()
            throw error
        }
        self.client = client
        self.running = running
    }

    /// Stops the connection pool: queries still running fail, and later ones throw
    /// ``CentralStorageError/unavailable(_:)``.
    public func close() {
        running.cancel()
    }

    deinit {
        running.cancel()
    }

    /// Connects once, with the errors a person starting the peer can act on, and migrates the schema.
    private static func migrate(_ location: PostgresLocation, logger: Logger) async throws -> String {
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(configuration: try location.connectionConfiguration(), id: 0, logger: logger)
        } catch let error as PSQLError {
            throw openError(error, location)
        }
        do {
            let peer = try await PostgresSchema.migrate(connection, logger: logger)
            try? await connection.close()
            return peer
        } catch let error as PSQLError {
            try? await connection.close()
            throw openError(error, location)
        } catch {
            try? await connection.close()
            throw error
        }
    }

    private static func openError(_ error: PSQLError, _ location: PostgresLocation) -> PostgresOpenError {
        let state = error.serverInfo?[.sqlState]
        let message = error.serverInfo?[.message] ?? "\(error.code)"
        switch state {
        case "28P01", "28000":
            return PostgresOpenError("PostgreSQL refused user \(location.user) at \(location.host):\(location.port) (\(message)); check the user and password in the URL")
        case "3D000":
            return PostgresOpenError("there is no database \(location.database) at \(location.host):\(location.port); create it (createdb \(location.database)) or fix the URL")
        case "42501":
            return PostgresOpenError("user \(location.user) may not create the peer's tables in \(location.database) (\(message)); grant it CREATE on the database's schema")
        case .some(let state):
            return PostgresOpenError("PostgreSQL at \(location.description) answered: \(message) (SQLSTATE \(state))")
        case nil:
            return PostgresOpenError("cannot connect to PostgreSQL at \(location.host):\(location.port) (\(error.code)); is the server running, and listening there?")
        }
    }

    // MARK: Running statements

    /// Runs `body` on one connection, outside any transaction (each statement commits on its own).
    ///
    /// A connection that cannot be had within ``connectionWait`` is ``CentralStorageError/unavailable(_:)``
    /// (``ConnectionLease``).
    func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await ConnectionLease(client: client, wait: connectionWait, location: location).run(body)
    }

    /// Runs `body` in one READ COMMITTED transaction, committed if it returns and rolled back if it throws.
    ///
    /// Written out rather than `PostgresClient.withTransaction`, which wraps every error (the intake body's
    /// own refusals included) in a `PostgresTransactionError`: here the body's errors reach the caller as
    /// they were thrown. A connection whose rollback failed is closed, so that the pool never lends out a
    /// connection left inside a transaction.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let logger = logger
        return try await withConnection { connection in
            try await connection.query("BEGIN ISOLATION LEVEL READ COMMITTED", logger: logger)
            let result: T
            do {
                result = try await body(connection)
            } catch {
                do {
                    try await connection.query("ROLLBACK", logger: logger)
                } catch {
                    connection.close().whenComplete { _ in }
                }
                throw error
            }
            try await connection.query("COMMIT", logger: logger)
            return result
        }
    }

    /// The rows `query` answers, on a connection of the pool.
    func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        let logger = logger
        return try await withConnection { connection in try await connection.query(query, logger: logger).collect() }
    }

    /// Runs `query` for its effect, on a connection of the pool.
    func run(_ query: PostgresQuery) async throws {
        _ = try await rows(query)
    }

    // MARK: Cases

    /// Read from `central_meta` each time: a migration may set it (``importPeerDeviceID(_:)``).
    public func peerDeviceID() async throws -> String {
        guard let id = try await rows("SELECT value FROM central_meta WHERE key = 'peer_device_id'").first.map({ try $0.decode(String.self) }) else {
            throw CentralStorageError.unavailable("the database has no peer device id (central_meta); it needs checking")
        }
        return id
    }

    public func record(_ recordID: String) async throws -> RecordState? {
        let logger = logger
        return try await withConnection { connection in
            try await PostgresRecords(connection: connection, logger: logger).states([recordID], locking: false)[recordID]
        }
    }

    public func allocations(of caseID: String) async throws -> [Allocation] {
        let logger = logger
        return try await withConnection { connection in
            try await PostgresRecords.allocations(of: [caseID], connection, logger)[caseID] ?? []
        }
    }

    public func cases(allocatedTo workers: Set<String>) async throws -> Set<String> {
        guard !workers.isEmpty else { return [] }
        return Set(try await rows("""
            SELECT case_id FROM central_allocation WHERE to_at IS NULL AND worker = ANY(\(workers.sorted()))
            """).map { try $0.decode(String.self) })
    }
}
