import Dispatch
import Foundation
internal import GRDBSQLite

/// Stops a running `sql` query from another thread: at its time limit, or when the person asks (Ctrl-C).
///
/// A progress handler alone is not enough: SQLite calls it only every so many virtual-machine steps, and
/// one step can be slow (`hex(zeroblob(100000000 + n))` takes a fraction of a second per row), so a query
/// could run for minutes between two calls. Here a timer looks every ``period`` and calls
/// `sqlite3_interrupt`, which SQLite checks at every loop of the query and which is safe from another
/// thread as long as the connection is open: ``finish()`` forgets the connection, under the same lock,
/// before the caller closes it.
final class QueryWatch: @unchecked Sendable {
    /// Why the query was stopped.
    enum Reason: Sendable, Equatable {
        case timeLimit
        case interrupted
    }

    /// How often the timer looks: well under what a person notices after pressing Ctrl-C.
    static let period = DispatchTimeInterval.milliseconds(20)

    private let lock = NSLock()
    private var connection: OpaquePointer?
    private var stoppedBecause: Reason?
    private let end: DispatchTime
    private let interrupted: @Sendable () -> Bool
    private let timer: any DispatchSourceTimer

    /// Starts watching `connection`: it is interrupted `seconds` from now, or as soon as `interrupted`
    /// says so.
    init(_ connection: OpaquePointer, seconds: Double, interrupted: @escaping @Sendable () -> Bool) {
        self.connection = connection
        self.end = .now() + seconds
        self.interrupted = interrupted
        timer = DispatchSource.makeTimerSource(queue: .global(qos: .userInitiated))
        timer.schedule(deadline: .now() + Self.period, repeating: Self.period)
        timer.setEventHandler { [weak self] in self?.look() }
        timer.resume()
    }

    /// Why the query was stopped, or `nil` if it was not.
    var reason: Reason? { lock.withLock { stoppedBecause } }

    /// Stops watching; after it returns the connection is never touched again and may be closed.
    func finish() {
        lock.withLock { connection = nil }
        timer.cancel()
    }

    private func look() {
        lock.withLock {
            guard let connection, stoppedBecause == nil else { return }
            if DispatchTime.now() >= end {
                stoppedBecause = .timeLimit
            } else if interrupted() {
                stoppedBecause = .interrupted
            } else {
                return
            }
            sqlite3_interrupt(connection)
        }
    }

    deinit { finish() }
}
