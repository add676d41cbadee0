/// A hybrid logical clock timestamp: wall-clock milliseconds in the high bits, a logical counter in the
/// low 16 bits.
///
/// HLC timestamps order changes consistently with causality even when device clocks disagree: a device
/// never issues a timestamp lower than one it has already seen, local or remote. They decide the
/// *provisional* value of a conflicted field; they never decide which write wins silently, because
/// concurrent writes are kept as siblings (see ``RecordState``).
public struct HLC: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The packed value: `milliseconds << 16 | counter`. Stored as an SQLite INTEGER.
    public let rawValue: Int64

    public init(rawValue: Int64) { self.rawValue = rawValue }

    /// The wall-clock part is clamped to `0 ... maximumMilliseconds`, so that no input, however absurd,
    /// packs into a negative or wrapped value.
    public init(milliseconds: Int64, counter: Int64) {
        let clamped = min(max(milliseconds, 0), Self.maximumMilliseconds)
        self.rawValue = clamped << 16 | (counter & 0xFFFF)
    }

    public static let zero = HLC(rawValue: 0)

    /// The largest wall-clock part the packing holds: 2^47 − 1 ms after 1970, in the year 6429.
    public static let maximumMilliseconds: Int64 = Int64.max >> 16

    /// The top of the clock's range. A clock that reaches it stays there (see ``next(after:wallMilliseconds:)``).
    public static let maximum = HLC(rawValue: .max)

    /// Wall-clock part, in milliseconds since 1970.
    public var milliseconds: Int64 { rawValue >> 16 }
    /// Logical part, used when several events share a millisecond or the wall clock went backwards.
    public var counter: Int64 { rawValue & 0xFFFF }

    public static func < (lhs: HLC, rhs: HLC) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The timestamp for a new local event, given the highest timestamp this store has seen and the
    /// current wall clock.
    ///
    /// It saturates: `latest` may come from another device (a pull) and so may be anything up to
    /// ``maximum``; once there, the clock stays at ``maximum`` rather than wrapping into the sign bit, which
    /// would give a timestamp every replica refuses. Equal timestamps are ordered by change id (SPEC.md §6.4),
    /// so nothing is lost; the central peer refuses clocks far ahead of its own (§6.5), so a real store
    /// does not get there.
    public static func next(after latest: HLC, wallMilliseconds now: Int64) -> HLC {
        let now = min(now, maximumMilliseconds)
        if now > latest.milliseconds {
            return HLC(milliseconds: now, counter: 0)
        }
        if latest.counter < 0xFFFF {
            return HLC(milliseconds: latest.milliseconds, counter: latest.counter + 1)
        }
        // Counter exhausted within one millisecond: borrow the next millisecond rather than wrap.
        guard latest.milliseconds < maximumMilliseconds else { return .maximum }
        return HLC(milliseconds: latest.milliseconds + 1, counter: 0)
    }

    /// `2026-11-20T14:03:07.123Z+2`: the wall-clock part in UTC and the counter.
    public var description: String {
        let text = Timestamp.iso8601(milliseconds: milliseconds)
        return counter == 0 ? text : "\(text)+\(counter)"
    }
}
