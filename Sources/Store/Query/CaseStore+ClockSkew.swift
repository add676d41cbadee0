import Foundation
internal import GRDB

/// A change made on a device whose clock was wrong when it was pushed: its recorded time and its place
/// in ordering came from that clock, so a reader should not take them at face value.
public struct ClockSkew: Sendable, Equatable {
    public let change: ChangeID
    public let author: String
    public let recordedAt: String
    /// The device's clock minus the central peer's, in milliseconds.
    public let milliseconds: Int64

    /// "2 d 3 h ahead", "45 min behind": how far, in words.
    public var description: String { Self.words(milliseconds) }

    /// `a − b`, saturating instead of trapping: both may come from the network.
    public static func difference(_ a: Int64, _ b: Int64) -> Int64 {
        let (result, overflow) = a.subtractingReportingOverflow(b)
        return overflow ? (b < 0 ? .max : .min) : result
    }

    /// Whether a clock difference is beyond `tolerance` either way (no trap at `Int64.min`).
    public static func exceeds(_ milliseconds: Int64, _ tolerance: Int64) -> Bool {
        milliseconds.magnitude > tolerance.magnitude
    }

    /// A clock difference in words: "2 d 3 h ahead" for a positive one, "45 min behind" for a negative one.
    public static func words(_ milliseconds: Int64) -> String {
        let minutes = milliseconds.magnitude / 60_000 + (milliseconds.magnitude % 60_000 >= 30_000 ? 1 : 0)  // nearest minute
        let days = minutes / (24 * 60), hours = minutes / 60 % 24, rest = minutes % 60
        var parts: [String] = []
        if days > 0 { parts.append("\(days) d") }
        if hours > 0 { parts.append("\(hours) h") }
        if rest > 0 || parts.isEmpty { parts.append("\(rest) min") }
        return parts.joined(separator: " ") + (milliseconds > 0 ? " ahead" : " behind")
    }
}

extension CaseStore {
    /// The device's wall clock (the clock this store records with).
    public var wallClock: Date { clock() }

    /// The record's changes that were made on a device with a wrong clock, oldest first.
    public func clockSkews(of recordID: String) throws -> [ClockSkew] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT device_id, seq, author, recorded_at, skew_ms FROM clock_skews WHERE record_id = ? ORDER BY recorded_at
                """, arguments: [recordID]).map { row in
                ClockSkew(change: ChangeID(deviceID: row["device_id"], seq: row["seq"]), author: row["author"],
                          recordedAt: row["recorded_at"], milliseconds: row["skew_ms"])
            }
        }
    }
}
