import Foundation

/// Runs async work to completion from the REPL's synchronous loop.
enum Blocking {
    /// Ctrl-C stopped the work; it was cancelled and has ended.
    struct Interrupted: Error {}

    /// Runs `body` and waits for it. When `interrupted` turns true (Ctrl-C at the terminal), the work is
    /// cancelled, waited for until it has ended, and ``Interrupted`` is thrown: structured cancellation,
    /// so nothing of it is still running when the next command starts.
    static func run<T: Sendable>(interrupted: @escaping @Sendable () -> Bool = { false },
                                 _ body: @escaping @Sendable () async throws -> T) throws -> T {
        let box = ResultBox<T>()
        let done = DispatchSemaphore(value: 0)
        let task = Task {
            do { box.result = .success(try await body()) } catch { box.result = .failure(error) }
            done.signal()
        }
        var cancelled = false
        while done.wait(timeout: .now() + .milliseconds(50)) == .timedOut {
            if !cancelled && interrupted() {
                cancelled = true
                task.cancel()
            }
        }
        if cancelled { throw Interrupted() }
        guard let result = box.result else { throw CancellationError() }
        return try result.get()
    }

    private final class ResultBox<T: Sendable>: @unchecked Sendable {
        var result: Result<T, any Error>?
    }
}
