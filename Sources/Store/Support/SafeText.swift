/// Text written by someone else (a note body, a device name, a case id, a quarantine reason), made safe
/// to print on a terminal or in a log line.
///
/// A terminal obeys the control characters in what it prints: `ESC [ 2 J` clears the screen, an OSC
/// sequence retitles the window, a carriage return or newline lets a value start a line of its own that
/// looks like the program's (a forged row of `admin device list`), and the bidirectional overrides make
/// text display in another order than it is stored. Every output path (the REPL's tables and lines, the
/// admin listings, the peer's log) passes other people's text through ``escaped(_:lineBreaks:)``, so
/// such characters are shown, never obeyed.
///
/// The form is Swift's: the character's code point in hexadecimal, `\u{1B}` for ESC, `\u{9B}` for the C1
/// control sequence introducer, `\u{202E}` for a right-to-left override. It is the same in every place,
/// names the character exactly, and is plain ASCII. (Someone who types those six characters themselves
/// gets the same display: `json` output keeps the difference.)
public enum SafeText {
    /// Whether newlines (and tabs) are part of what may be shown.
    public enum LineBreaks: Sendable {
        /// Multi-line prose shown as such: newline and tab pass through (the caller indents what follows
        /// a newline, so a value cannot begin a line of its own).
        case kept
        /// A single-line value: newline and tab are escaped too, so a value stays one field of one line.
        case escaped
    }

    /// Whether a terminal could act on `scalar` instead of showing it: C0 controls, DEL, C1 controls
    /// (including U+009B, a one-byte CSI to some terminals) and the bidirectional embeddings, overrides
    /// and isolates (U+202A–U+202E, U+2066–U+2069).
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }

    /// Whether `text` holds anything ``escaped(_:lineBreaks:)`` would change.
    public static func needsEscaping(_ text: String, lineBreaks: LineBreaks = .escaped) -> Bool {
        text.unicodeScalars.contains { isControl($0) && !keeps($0, lineBreaks) }
    }

    /// `text` with every control character written as `\u{HEX}`; with `.kept`, newline and tab stay.
    public static func escaped(_ text: String, lineBreaks: LineBreaks = .escaped) -> String {
        guard needsEscaping(text, lineBreaks: lineBreaks) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if isControl(scalar) && !keeps(scalar, lineBreaks) {
                out.append(contentsOf: "\\u{".unicodeScalars)
                let hex = String(scalar.value, radix: 16, uppercase: true)
                if hex.count < 2 { out.append("0") }
                out.append(contentsOf: hex.unicodeScalars)
                out.append("}")
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }

    private static func keeps(_ scalar: Unicode.Scalar, _ lineBreaks: LineBreaks) -> Bool {
        lineBreaks == .kept && (scalar == "\n" || scalar == "\t")
    }
}
