import Store

/// A line of output whose literal text is the program's and whose interpolated values are escaped with
/// ``SafeText``: `"case \(caseID): \(childName)"` shows a case id holding `ESC [ 2 J` as `\u{1B}[2J`
/// instead of clearing the screen.
///
/// Values come from the store, the network or the person typing, so escaping them where they are
/// interpolated, by the type, leaves no call site to forget: text reaches ``ReplIO/line(_:)`` (and the
/// admin commands' output) only through this type. A single-line value has its newlines and tabs escaped
/// too, so it cannot start a line of its own that looks like the program's. Prose that is shown over
/// several lines is interpolated as `\(multiline: text, indent: n)`: its newlines stay, and every line
/// after the first is indented by `n` spaces, so it still cannot start a line at the margin.
public struct OutputLine: ExpressibleByStringInterpolation, Sendable, Equatable {
    /// What is printed.
    public let text: String

    public init(stringLiteral value: String) { text = value }

    public init(stringInterpolation: StringInterpolation) { text = stringInterpolation.text }

    public struct StringInterpolation: StringInterpolationProtocol {
        var text = ""

        public init(literalCapacity: Int, interpolationCount: Int) {
            text.reserveCapacity(literalCapacity + 16 * interpolationCount)
        }

        /// The program's own text: as written.
        public mutating func appendLiteral(_ literal: String) { text += literal }

        /// A value on one line: every control character escaped, newline and tab included.
        public mutating func appendInterpolation<T>(_ value: T) {
            text += SafeText.escaped(String(describing: value))
        }

        /// An optional would print as `Optional(...)`: flagged at compile time, as it is for `String`.
        @available(*, deprecated, message: "unwrap the optional, or give a default with ??")
        public mutating func appendInterpolation<T>(_ value: T?) {
            text += SafeText.escaped(String(describing: value))
        }

        /// Prose over several lines: newlines and tabs kept, every other control character escaped, and
        /// each line after the first indented by `indent` spaces.
        public mutating func appendInterpolation(multiline value: String, indent: Int) {
            let margin = "\n" + String(repeating: " ", count: max(indent, 0))
            text += SafeText.escaped(value, lineBreaks: .kept)
                .split(separator: "\n", omittingEmptySubsequences: false).joined(separator: margin)
        }
    }
}
