import Foundation

/// Slows down guessing of enrolment codes: after a few failed enrolments from one address, each further
/// attempt from it must wait, twice as long after every failure, before its code is even looked at.
///
/// A code has 60 bits of randomness and expires after three days, so guessing one is hopeless anyway; the
/// throttle keeps a script from hammering the peer trying, and makes the attempts visible in the log. State
/// is in memory (a restart forgets it) and bounded: the oldest addresses are dropped beyond
/// ``maximumAddresses``.
public final class EnrolmentThrottle: @unchecked Sendable {
    /// Failures from one address that cost nothing.
    public static let freeFailures = 5
    /// The longest wait ever asked for.
    public static let longestWait: TimeInterval = 15 * 60
    /// A quiet address is forgotten after this long.
    static let memory: TimeInterval = 60 * 60
    static let maximumAddresses = 10_000

    private struct Record {
        var failures: Int
        var lastFailure: Date
    }

    private let lock = NSLock()
    private var records: [String: Record] = [:]

    /// How long `address` must still wait before its next attempt is considered; `nil` if it may try now.
    func wait(for address: String, now: Date) -> TimeInterval? {
        lock.withLock {
            guard let record = records[address] else { return nil }
            if now.timeIntervalSince(record.lastFailure) > Self.memory {
                records[address] = nil
                return nil
            }
            let remaining = Self.delay(afterFailures: record.failures) - now.timeIntervalSince(record.lastFailure)
            return remaining > 0 ? remaining : nil
        }
    }

    /// The wait after `failures` failures: none for the first few, then 1 s, 2 s, 4 s … up to 15 minutes.
    public static func delay(afterFailures failures: Int) -> TimeInterval {
        guard failures > freeFailures else { return 0 }
        return min(pow(2, Double(min(failures - freeFailures - 1, 20))), longestWait)
    }

    func failed(_ address: String, now: Date) {
        lock.withLock {
            if records[address] == nil, records.count >= Self.maximumAddresses,
               let oldest = records.min(by: { $0.value.lastFailure < $1.value.lastFailure })?.key {
                records[oldest] = nil
            }
            records[address, default: Record(failures: 0, lastFailure: now)].failures += 1
            records[address]?.lastFailure = now
        }
    }

    func succeeded(_ address: String) {
        lock.withLock { records[address] = nil }
    }
}
