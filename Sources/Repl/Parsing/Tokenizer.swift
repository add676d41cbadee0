/// Splits a command line into words with shell-like quoting.
///
/// - Words are separated by spaces or tabs.
/// - `'single quotes'` keep everything literally.
/// - `"double quotes"` keep spaces; inside them `\"` and `\\` escape, and `\n` is a newline.
/// - Outside quotes, a backslash makes the next character literal.
/// Quotes may appear mid-word: `wishes="wants to see mum"` is one word.
public enum Tokenizer {
    public static func words(_ line: String) throws -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var iterator = line.makeIterator()
        while let character = iterator.next() {
            switch character {
            case " ", "\t":
                if inWord { words.append(current); current = ""; inWord = false }
            case "'":
                inWord = true
                var closed = false
                while let next = iterator.next() {
                    if next == "'" { closed = true; break }
                    current.append(next)
                }
                guard closed else { throw ReplError.syntax("a single quote (') is not closed") }
            case "\"":
                inWord = true
                var closed = false
                while let next = iterator.next() {
                    if next == "\"" { closed = true; break }
                    if next == "\\", let escaped = iterator.next() {
                        current.append(escaped == "n" ? "\n" : escaped)
                    } else {
                        current.append(next)
                    }
                }
                guard closed else { throw ReplError.syntax("a double quote (\") is not closed") }
            case "\\":
                inWord = true
                guard let escaped = iterator.next() else { throw ReplError.syntax("the line ends with a lone backslash") }
                current.append(escaped)
            default:
                inWord = true
                current.append(character)
            }
        }
        if inWord { words.append(current) }
        return words
    }
}
