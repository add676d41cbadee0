import Foundation

/// Text as one word of a shell command, for commands Fieldbook tells people to run (`chmod 600 PATH`),
/// so a path with spaces or quotes can be copied and pasted as it is.
public enum ShellWord {
    /// `text` unchanged when it needs no quoting, else in single quotes (a quote inside as `'\''`).
    public static func quoted(_ text: String) -> String {
        let plain = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+@%,:=")
        if !text.isEmpty && text.unicodeScalars.allSatisfy(plain.contains) { return text }
        return "'" + text.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }
}
