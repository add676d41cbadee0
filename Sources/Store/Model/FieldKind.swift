import Foundation

/// The type of a field's value, which decides how user input is checked and stored.
public enum FieldKind: Sendable, Equatable {
    /// Free text. Never merged character by character: concurrent versions are shown side by side.
    case text
    /// A calendar date, stored `YYYY-MM-DD`.
    case day
    /// When something happened: a date, or a date and time stored as a UTC instant. Never in the future.
    case occurrence
    /// `yes` or `no` (also accepted: true/false, y/n, 1/0).
    case yesNo
    /// One of a fixed list of values.
    case choice([String])
    /// An identifier of another record.
    case reference

    /// A description of the accepted values, for error messages and `help`.
    public var expectation: String {
        switch self {
        case .text: return "text"
        case .day: return "a date YYYY-MM-DD"
        case .occurrence: return "a date YYYY-MM-DD or date and time YYYY-MM-DDTHH:MM, not in the future"
        case .yesNo: return "yes or no"
        case .choice(let values): return "one of " + values.joined(separator: ", ")
        case .reference: return "a record id"
        }
    }
}

/// The context a value is checked in: the clock and time zone that give meaning to "today" and to a
/// wall-clock time typed by the worker.
public struct ValueContext: Sendable {
    public var now: Date
    public var timeZone: TimeZone

    public init(now: Date, timeZone: TimeZone = .current) {
        self.now = now
        self.timeZone = timeZone
    }
}

extension FieldKind {
    /// Checks `input` and returns the stored form, or `nil` if it is not acceptable.
    /// Empty input clears a field (stored as no value); callers decide whether that is allowed.
    func normalise(_ input: String, context: ValueContext) -> String?? {
        let trimmed = input.trimmedWhitespace()
        if trimmed.isEmpty { return .some(nil) }
        switch self {
        case .text:
            return .some(input)
        case .reference:
            return .some(trimmed)
        case .day:
            return Timestamp.parseDay(trimmed) == nil ? nil : .some(trimmed)
        case .occurrence:
            let lowered = trimmed.lowercased()
            if lowered == "today" || lowered == "now" {
                return lowered == "today"
                    ? .some(Timestamp.day(context.now, in: context.timeZone))
                    : .some(Timestamp.instant(context.now))
            }
            guard let parsed = Timestamp.parseOccurrence(trimmed, in: context.timeZone) else { return nil }
            // A date alone is compared by day; an instant may be at most five minutes ahead of the clock.
            if parsed.stored.count == 10 {
                return parsed.stored > Timestamp.day(context.now, in: context.timeZone) ? nil : .some(parsed.stored)
            }
            return parsed.date.timeIntervalSince(context.now) > 300 ? nil : .some(parsed.stored)
        case .yesNo:
            switch trimmed.lowercased() {
            case "yes", "y", "true", "1": return .some("yes")
            case "no", "n", "false", "0": return .some("no")
            default: return nil
            }
        case .choice(let values):
            // Case-insensitive, stored in the list's own spelling (CP, statutory, ...).
            let lowered = trimmed.lowercased()
            return values.first { $0.lowercased() == lowered }.map { .some($0) }
        }
    }
}
