import Foundation

/// Formatting and parsing of the date and time values stored in the change log.
///
/// Stored forms are fixed so that text comparison in SQL orders them correctly:
/// dates are `YYYY-MM-DD`; instants are UTC `YYYY-MM-DDTHH:MM:SSZ` (occurrence times) or
/// `YYYY-MM-DDTHH:MM:SS.mmmZ` (recording times).
public enum Timestamp {
    private static let utc: TimeZone = TimeZone(identifier: "UTC") ?? TimeZone(secondsFromGMT: 0)!

    static var utcCalendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = utc
        return calendar
    }

    /// `2026-11-20T14:03:07.123Z` for a count of milliseconds since 1970.
    ///
    /// Computed from the day number rather than through `Calendar` and `String(format:)`, which cost as
    /// much as the rest of recording a change (every change carries one).
    public static func iso8601(milliseconds: Int64) -> String {
        let ms = Int(((milliseconds % 1000) + 1000) % 1000)
        let seconds = (milliseconds - Int64(ms)) / 1000
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let inDay = Int(seconds - days * 86_400)
        let date = CivilDate(dayNumber: Int(days))
        return padded(date.year, 4) + "-" + padded(date.month, 2) + "-" + padded(date.day, 2) + "T"
            + padded(inDay / 3600, 2) + ":" + padded(inDay / 60 % 60, 2) + ":" + padded(inDay % 60, 2) + "." + padded(ms, 3) + "Z"
    }

    /// `value` in decimal, zero-padded to `width` digits.
    private static func padded(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    public static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// `2026-11-20T14:03:00Z`: an occurrence instant, to the second.
    public static func instant(_ date: Date) -> String {
        let c = utcCalendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ",
                      c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
    }

    /// `2026-11-20` in the given time zone.
    public static func day(_ date: Date, in zone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
    }

    /// Parses a calendar date `YYYY-MM-DD`, rejecting impossible dates such as 2026-02-30.
    public static func parseDay(_ text: String) -> DateComponents? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
              (1900...2200).contains(y), (1...12).contains(m), d >= 1
        else { return nil }
        var components = DateComponents(year: y, month: m, day: d)
        let calendar = utcCalendar
        guard let date = calendar.date(from: components),
              calendar.component(.day, from: date) == d, calendar.component(.month, from: date) == m
        else { return nil }
        components.calendar = calendar
        return components
    }

    /// Parses `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM[:SS]` or `YYYY-MM-DD HH:MM[:SS]` (wall-clock time in `zone`),
    /// or the same with a trailing `Z` (UTC). Returns the stored form: the date alone if no time was given,
    /// otherwise a UTC instant.
    public static func parseOccurrence(_ text: String, in zone: TimeZone) -> (stored: String, date: Date)? {
        var text = text.trimmingCharacters(in: .whitespaces)
        var zone = zone
        if text.hasSuffix("Z") {
            text.removeLast()
            zone = utc
        }
        let pieces = text.split(whereSeparator: { $0 == "T" || $0 == " " })
        guard let first = pieces.first, pieces.count <= 2, let day = parseDay(String(first)) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        var components = DateComponents(year: day.year, month: day.month, day: day.day)
        guard pieces.count == 2 else {
            components.hour = 12
            guard let date = calendar.date(from: components) else { return nil }
            return (String(first), date)
        }
        let clock = pieces[1].split(separator: ":", omittingEmptySubsequences: false)
        guard (2...3).contains(clock.count), clock.allSatisfy({ $0.count == 2 }),
              let h = Int(clock[0]), let mi = Int(clock[1]), (0...23).contains(h), (0...59).contains(mi)
        else { return nil }
        let s = clock.count == 3 ? Int(clock[2]) : 0
        guard let second = s, (0...59).contains(second) else { return nil }
        components.hour = h
        components.minute = mi
        components.second = second
        guard let date = calendar.date(from: components) else { return nil }
        return (instant(date), date)
    }
}
