import Foundation

/// Named points where fault tests kill the process, to prove that an interruption anywhere loses nothing.
///
/// Set `FIELDBOOK_FAULT=NAME` (or `NAME@N` for the N-th time the point is reached) and the process sends
/// itself SIGKILL there: no cleanup, no flush, exactly like a pulled plug. Unset, a point costs one
/// dictionary lookup. The points are listed in docs/OPERATIONS.md.
public enum FaultPoint {
    private static let configured: (name: String, hit: Int)? = {
        guard let value = ProcessInfo.processInfo.environment["FIELDBOOK_FAULT"], !value.isEmpty else { return nil }
        let parts = value.split(separator: "@", maxSplits: 1)
        return (String(parts[0]), parts.count == 2 ? Int(parts[1]) ?? 1 : 1)
    }()
    private static let counter = Counter()

    public static func reached(_ name: String) {
        guard let configured, configured.name == name else { return }
        if counter.increment() == configured.hit {
            kill(getpid(), SIGKILL)
        }
    }

    private final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func increment() -> Int { lock.withLock { value += 1; return value } }
    }
}
