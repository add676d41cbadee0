import Foundation
internal import GRDBSQLite

/// Bounds how much memory SQLite may take while a `sql` query runs.
///
/// Every value is at most ``ReadOnlyQuery/maximumValueBytes``, but one expression can hold hundreds of them
/// at once (`length(hex(zeroblob(8000000))) + length(hex(zeroblob(8000000))) + ...`): 10 such terms took
/// 640 MB. SQLite's hard heap limit is the bound that holds whatever the query is. It applies to the whole
/// process, not one connection, so it is set only while a query runs, to what SQLite uses now plus
/// ``headroom``, and put back when the last running query ends. The REPL does nothing else with SQLite
/// meanwhile; elsewhere (the tests, many stores at once) the headroom leaves ordinary work far below it.
enum QueryHeapLimit {
    /// How much more memory SQLite may take while a query runs.
    static let headroom: Int64 = 256 * 1024 * 1024

    private static let state = Mutex()

    /// Runs `body` with the limit in place.
    static func during<T>(_ body: () throws -> T) rethrows -> T {
        state.enter()
        defer { state.leave() }
        return try body()
    }

    /// The queries running, and the limit that was in force before the first of them.
    private final class Mutex: @unchecked Sendable {
        private let lock = NSLock()
        private var running = 0
        private var previous: Int64 = 0

        func enter() {
            lock.withLock {
                if running == 0 {
                    previous = sqlite3_hard_heap_limit64(-1)
                    let wanted = sqlite3_memory_used() + QueryHeapLimit.headroom
                    if previous == 0 || previous > wanted { _ = sqlite3_hard_heap_limit64(wanted) }
                }
                running += 1
            }
        }

        func leave() {
            lock.withLock {
                running -= 1
                if running == 0 { _ = sqlite3_hard_heap_limit64(previous) }
            }
        }
    }
}
