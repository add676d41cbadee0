import Store

/// Recording and receipt times as integer milliseconds on the v2 wire (SPEC.md §12.3), without ever changing
/// the text a change is hashed with.
///
/// `recorded_at` is hashed as text (FBC1, SPEC.md §5.4), so a v2 change must give back exactly the string the
/// v1 form carries. Every time the reference store writes is `Timestamp.iso8601(milliseconds:)` of a count
/// of milliseconds, which this reverses; any other text (another implementation's, a forged one) is sent
/// verbatim in the message's text field instead. The check is exact: a count is sent only if formatting it
/// gives back the same characters.
package enum WireTime {
    /// The largest count sent as a number: 9999-12-31T23:59:59.999Z, so that every count maps to the
    /// 24-character form.
    package static let maximumMilliseconds: Int64 = 253_402_300_799_999

    /// The count of milliseconds whose text form is exactly `text`, or `nil` if there is none.
    package static func milliseconds(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        // YYYY-MM-DDTHH:MM:SS.mmmZ
        guard bytes.count == 24, bytes[4] == 0x2D, bytes[7] == 0x2D, bytes[10] == 0x54, bytes[13] == 0x3A,
              bytes[16] == 0x3A, bytes[19] == 0x2E, bytes[23] == 0x5A else { return nil }
        func number(_ from: Int, _ count: Int) -> Int? {
            var value = 0
            for byte in bytes[from ..< from + count] {
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
              let minute = number(14, 2), let second = number(17, 2), let milli = number(20, 3),
              year >= 1970, let date = CivilDate(year: year, month: month, day: day),
              hour < 24, minute < 60, second < 60 else { return nil }
        let seconds = Int64(date.dayNumber) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        let milliseconds = seconds * 1000 + Int64(milli)
        guard milliseconds <= maximumMilliseconds, Timestamp.iso8601(milliseconds: milliseconds) == text else { return nil }
        return milliseconds
    }

    /// The text form of a count received on the wire.
    ///
    /// - Throws: ``ProtocolError`` `malformed_message` for a count outside 1970 … 9999.
    package static func text(_ milliseconds: Int64, _ what: String) throws(ProtocolError) -> String {
        guard milliseconds >= 0, milliseconds <= maximumMilliseconds else {
            throw ProtocolError.malformedMessage("\(what) is \(milliseconds) ms, outside 0 … \(maximumMilliseconds) (1970 to 9999)")
        }
        return Timestamp.iso8601(milliseconds: milliseconds)
    }
}
