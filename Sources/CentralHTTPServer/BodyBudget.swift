import Foundation

/// Bytes of request bodies (and of the messages they inflate to) the peer holds at once, across all
/// connections (``ServerLimits/bodiesInFlightBytes``).
///
/// Without it a hundred connections each sending an 8 MiB body hold 800 MiB, and three large pushes decoding
/// at once stall every other device. A request reserves its weight before its body is read and gives it back
/// when it has been answered; one that does not fit is refused at once (`503 busy`), and a part of the budget
/// is kept for small requests.
final class BodyBudget: @unchecked Sendable {
    let capacity: Int
    let reservedForSmall: Int
    let smallRequest: Int
    private let lock = NSLock()
    private var used = 0

    init(_ limits: ServerLimits) {
        capacity = limits.bodiesInFlightBytes
        reservedForSmall = min(limits.reservedForSmallRequestsBytes, limits.bodiesInFlightBytes)
        smallRequest = limits.smallRequestBytes
    }

    /// Raises a request's reservation from `current` to `weight` bytes (from 0 for a new request), if there
    /// is room: a small request may use the whole budget, a large one all but the part kept for small ones.
    ///
    /// - Returns: whether the reservation is now `weight`; if not, it is unchanged.
    func grow(from current: Int, to weight: Int) -> Bool {
        guard weight > current else { return true }
        let ceiling = weight <= smallRequest ? capacity : capacity - reservedForSmall
        return lock.withLock {
            guard used - current + weight <= ceiling else { return false }
            used += weight - current
            return true
        }
    }

    /// Gives a request's reservation back.
    func release(_ weight: Int) {
        lock.withLock { used -= weight }
    }

    /// Bytes reserved now (for tests and logs).
    var inUse: Int { lock.withLock { used } }
}
