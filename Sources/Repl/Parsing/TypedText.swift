import Store

/// What a person may type: no control characters.
///
/// A control character in a note or a case id is almost never meant (a stray Ctrl-V Esc, a paste from a
/// web page) and would be carried to every device that syncs the case. Output escapes them anyway
/// (``SafeText``); refusing them on input keeps them out of the record in the first place, with a message
/// that says where the character is. Tab is allowed: it separates words on a command line and is harmless
/// in prose. A multi-line note is typed line by line, so a newline never needs to be typed as a character.
enum TypedText {
    /// Why `line` cannot be taken, or `nil` when it can.
    static func problem(in line: String) -> String? {
        for (offset, scalar) in line.unicodeScalars.enumerated() where scalar != "\t" && SafeText.isControl(scalar) {
            return "the line holds the control character \(SafeText.escaped(String(scalar))) at character \(offset + 1), "
                + "which Fieldbook does not store: nothing was done"
        }
        return nil
    }
}
