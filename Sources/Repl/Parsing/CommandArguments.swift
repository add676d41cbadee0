/// A command's words after the command name: positional words, then `key=value` pairs.
struct CommandArguments {
    /// Words that are not `key=value`, in order.
    var positional: [String] = []
    /// `key=value` pairs, in order.
    var pairs: [(key: String, value: String)] = []

    /// Splits words: a word whose part before the first `=` is a key (letters and `_`) is a pair. Keys are
    /// checked by the store, so a mistyped one (`Wishes=`) is reported as an unknown key.
    init(_ words: some Sequence<String>) {
        for word in words {
            if let equals = word.firstIndex(of: "="), Self.isKey(word[..<equals]) {
                pairs.append((String(word[..<equals]), String(word[word.index(after: equals)...])))
            } else {
                positional.append(word)
            }
        }
    }

    static func isKey(_ text: Substring) -> Bool {
        !text.isEmpty && text.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || $0 == "_" }
    }

    /// Removes and returns the pair named `key`, if given.
    mutating func take(_ key: String) -> String? {
        guard let index = pairs.firstIndex(where: { $0.key == key }) else { return nil }
        return pairs.remove(at: index).value
    }
}
