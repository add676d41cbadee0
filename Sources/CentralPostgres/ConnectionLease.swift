import Central
internal import PostgresNIO
import Synchronization

/// Leases a connection of the pool for one storage operation, waiting for one at most ``wait``.
///
/// postgres-nio's pool keeps a request waiting while it retries a server that does not answer, and fails
/// it only when its circuit breaker trips, after a minute of failed attempts (not configurable through
/// `PostgresClient` in 1.33). A device syncing through a peer whose database has gone would wait that
/// minute for each request; with a deadline it is told within seconds that the storage is unavailable,
/// and that nothing of its request was stored.
///
/// Nothing is done after the deadline that the answer would not admit: the lease and the deadline race
/// for one flag, and an operation whose connection came after the deadline never runs its body.
struct ConnectionLease: Sendable {
    let client: PostgresClient
    let wait: Duration
    let location: String

    /// Runs `body` on a leased connection; ``CentralStorageError/unavailable(_:)`` when none could be had
    /// within ``wait``, or the pool failed the lease.
    func run<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let race = Race()
        let (client, wait, location) = (client, wait, location)
        return try await withThrowingTaskGroup(of: Outcome<T>.self) { group in
            group.addTask {
                do {
                    return .done(try await PostgresErrors.translating {
                        try await client.withConnection { connection in
                            guard race.lease() else { throw Abandoned() }
                            return try await body(connection)
                        }
                    })
                } catch let error where !race.leased && !(error is CentralStorageError) {
                    throw CentralStorageError.unavailable("no connection to PostgreSQL at \(location) could be had (\(error))")
                }
            }
            group.addTask {
                // Cancelled as soon as the operation ends; a cancelled sleep is not a deadline.
                do { try await Task.sleep(for: wait) } catch { return .finished }
                return .deadline
            }
            while let outcome = try await group.next() {
                switch outcome {
                case .done(let value):
                    group.cancelAll()
                    return value
                case .deadline where race.abandon():
                    group.cancelAll()
                    throw CentralStorageError.unavailable("no connection to PostgreSQL at \(location) within \(wait)")
                case .deadline, .finished:
                    continue
                }
            }
            throw CentralStorageError.unavailable("the connection to PostgreSQL at \(location) ended without an answer")
        }
    }

    private enum Outcome<T: Sendable>: Sendable {
        case done(T)
        case deadline
        case finished
    }

    private struct Abandoned: Error {}

    /// Exactly one of `lease()` and `abandon()` succeeds.
    private final class Race: Sendable {
        private enum State { case waiting, leased, abandoned }
        private let state = Mutex(State.waiting)

        var leased: Bool { state.withLock { $0 == .leased } }

        func lease() -> Bool {
            state.withLock { state in
                guard state == .waiting else { return false }
                state = .leased
                return true
            }
        }

        func abandon() -> Bool {
            state.withLock { state in
                guard state == .waiting else { return false }
                state = .abandoned
                return true
            }
        }
    }
}
