import Foundation

extension String {
    /// The text without leading and trailing whitespace and newlines. Only the ends are looked at and the
    /// rest is copied as bytes, so a long note costs little more than a short one (Foundation's
    /// `trimmingCharacters(in:)` goes through NSString on Linux and was a third of the time of recording
    /// a visit).
    func trimmedWhitespace() -> String {
        let scalars = unicodeScalars
        let blank = CharacterSet.whitespacesAndNewlines
        guard let first = scalars.firstIndex(where: { !blank.contains($0) }),
              let last = scalars.lastIndex(where: { !blank.contains($0) }) else { return "" }
        if first == scalars.startIndex && scalars.index(after: last) == scalars.endIndex { return self }
        return String(Substring(scalars[first...last]))
    }
}
