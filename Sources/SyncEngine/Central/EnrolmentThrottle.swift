import Foundation
import Store
import SyncProtocol

/// Slows down guessing of enrolment codes: after a few failed enrolments from one address, each further
/// attempt from it must wait, twice as long after every failure, before its code is even looked at.
///
/// A code has 60 bits of randomness and expires after three days, so guessing one is hopeless anyway; the
/// throttle keeps a script from hammering the peer trying, and makes the attempts visible in the log. The
/// failures are kept in the storage, so every instance of the peer on one database counts the same ones
/// (and a restart forgets nothing); an address quiet for ``memory`` is forgotten.
public struct EnrolmentThrottle: Sendable {
    /// Failures from one address that cost nothing.
    public static let freeFailures = 5
    /// The longest wait ever asked for.
    public static let longestWait: TimeInterval = 15 * 60
    /// A quiet address is forgotten after this long.
    static let memory: TimeInterval = 60 * 60

    let storage: any CentralStorage

    /// How long `address` must still wait before its next attempt is considered; `nil` if it may try now.
    func wait(for address: String, now: Date) async throws -> TimeInterval? {
        guard let failures = try await storage.enrolmentFailures(from: address),
              let lastMilliseconds = WireTime.milliseconds(failures.last) else { return nil }
        let last = Date(timeIntervalSince1970: Double(lastMilliseconds) / 1000)
        let quiet = now.timeIntervalSince(last)
        if quiet > Self.memory { return nil }
        let remaining = Self.delay(afterFailures: failures.count) - quiet
        return remaining > 0 ? remaining : nil
    }

    /// The wait after `failures` failures: none for the first few, then 1 s, 2 s, 4 s … up to 15 minutes.
    public static func delay(afterFailures failures: Int) -> TimeInterval {
        guard failures > freeFailures else { return 0 }
        return min(pow(2, Double(min(failures - freeFailures - 1, 20))), longestWait)
    }

    func failed(_ address: String, now: Date) async throws {
        try await storage.recordEnrolmentFailure(from: address, now: Self.text(now),
                                                 forgetBefore: Self.text(now.addingTimeInterval(-Self.memory)))
    }

    func succeeded(_ address: String) async throws {
        try await storage.clearEnrolmentFailures(from: address)
    }

    private static func text(_ date: Date) -> String { Timestamp.iso8601(milliseconds: Timestamp.milliseconds(date)) }
}
