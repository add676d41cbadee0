import SyncProtocol
import Synchronization

/// One at a time, in the order asked for: turns awaited without holding a thread.
///
/// SQLite has one writer connection, and an intake keeps its transaction open across `await`s (each of its
/// statements is a separate visit to the connection), so every other write of the same storage waits for
/// its turn rather than run inside the intake's transaction. The HTTP server gives large requests turns, so
/// that decoding them never takes every core.
public final class Turns: Sendable {
    private struct State {
        var busy = false
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    public init() {}

    /// Runs `body` when no other turn is running.
    public func run<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        await acquire()
        do {
            let result = try await body()
            release()
            return result
        } catch {
            release()
            throw error
        }
    }

    private func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state -> Bool in
                if state.busy {
                    state.waiting.append(continuation)
                    return false
                }
                state.busy = true
                return true
            }
            if now { continuation.resume() }
        }
    }

    private func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiting.isEmpty {
                state.busy = false
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.resume()
    }
}
