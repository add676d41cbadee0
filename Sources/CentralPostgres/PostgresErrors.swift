import Central
internal import PostgresNIO
import SyncProtocol

/// PostgreSQL's failures in the storage protocol's terms (``CentralStorageError``): whatever the engine, the
/// peer answers the same, and retries an intake that lost to a concurrent one.
enum PostgresErrors {
    /// SQLSTATEs (PostgreSQL's appendix A) that mean "run the transaction again".
    static let conflicts: Set<String> = [
        "40001", // serialization_failure
        "40P01", // deadlock_detected
        "23505", // unique_violation: a record, or an allocation, created by a concurrent transaction
        "55P03", // lock_not_available
    ]

    /// Runs `work`, translating the driver's errors; errors of the caller's own (a refusal thrown by an
    /// intake's body) pass unchanged.
    static func translating<T>(_ work: () async throws -> T) async throws -> T {
        do {
            return try await work()
        } catch let error as PSQLError {
            throw translate(error)
        } catch let error as PostgresDecodingError {
            throw CentralStorageError.unavailable("a stored value could not be read (\(error.code) in column \(error.columnName))")
        }
    }

    static func translate(_ error: PSQLError) -> CentralStorageError {
        guard error.code == .server, let state = error.serverInfo?[.sqlState] else {
            return .unavailable("PostgreSQL could not be reached (\(error.code))")
        }
        let message = error.serverInfo?[.message] ?? "SQLSTATE \(state)"
        if conflicts.contains(state) { return .conflict(message) }
        switch state {
        case "53100": return .full // disk_full
        default: return .unavailable("\(message) (SQLSTATE \(state))")
        }
    }
}
