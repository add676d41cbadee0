import Store

/// A case record as Markdown (CommonMark): headings, and lists of labelled values.
///
/// Text from the store is escaped so that it is only ever text: every character Markdown gives a meaning
/// to (`*`, `_`, `[`, `<`, `&`, a `-` or `1.` starting a line, ...) is backslash-escaped, so a note holding
/// `<script>` or `**` stays as written when the file is shown as HTML; leading spaces become no-break
/// spaces, so an indented line is not taken for code. Control characters are shown in ``SafeText``'s form.
struct MarkdownRenderer {
    func render(_ document: RecordDocument) -> String {
        var out: [String] = []
        out.append("# Case record \(escape(document.caseID)): \(escape(document.childName))")
        out.append("")
        out.append("*\(escape(document.printed))*")
        out.append("")
        out.append("## Case")
        out.append("")
        out += document.facts.map { item($0) }
        if !document.notices.isEmpty {
            out.append("")
            out.append("## Notices")
            out.append("")
            out += document.notices.map { "- " + ($0.alert ? "**Attention:** " : "") + block(escape($0.text)) }
        }
        out.append("")
        out.append("## Chronology")
        out.append("")
        out.append("\(document.entries.count) entr\(document.entries.count == 1 ? "y" : "ies"), oldest first.")
        for entry in document.entries {
            out.append("")
            let marks = (entry.status.map { [$0] } ?? []) + entry.flags.map { $0.uppercased() }
            out.append("### \(entry.number). \(escape(entry.date)) — \(escape(entry.title))"
                       + (marks.isEmpty ? "" : " — " + marks.map(escape).joined(separator: ", ")))
            out.append("")
            out += entry.stamps.map { item($0) }
            out.append("")
            for field in entry.fields {
                let value = field.value.isEmpty ? "*(not recorded)*" : block(escape(field.value))
                // A list of its own, apart from the stamps' above it: another bullet starts a new list.
                out.append("* **\(escape(field.label)):** " + value)
                for note in field.notes {
                    out.append("  - " + (note.alert ? "**" + block(escape(note.text), indent: "    ") + "**" : "*" + block(escape(note.text), indent: "    ") + "*"))
                }
            }
        }
        if !document.integrity.isEmpty {
            out.append("")
            out.append("## Integrity")
            out.append("")
            out += document.integrity.map { item($0) }
        }
        return out.joined(separator: "\n") + "\n"
    }

    private func item(_ item: RecordDocument.Item) -> String {
        let label = item.alert ? "**\(escape(item.label)) (attention):**" : "**\(escape(item.label)):**"
        return "- \(label) " + block(escape(item.value))
    }

    /// A value over several lines inside a list item: hard line breaks, continuation lines indented.
    private func block(_ text: String, indent: String = "  ") -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\\\n" + indent)
    }

    /// Text from the store as literal Markdown text.
    func escape(_ raw: String) -> String {
        let safe = SafeText.escaped(raw, lineBreaks: .kept)
        return safe.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            var out = ""
            // Leading spaces would make an indented line code: no-break spaces look the same.
            let leading = line.prefix { $0 == " " || $0 == "\t" }
            out += String(repeating: "\u{00A0}", count: leading.reduce(0) { $0 + ($1 == "\t" ? 4 : 1) })
            let rest = line.dropFirst(leading.count)
            var atStart = true
            var digitsSoFar = true
            for character in rest {
                if Self.special.contains(character)
                    || (atStart && Self.specialAtStart.contains(character))
                    || (digitsSoFar && !atStart && (character == "." || character == ")")) {
                    out.append("\\")
                }
                out.append(character)
                digitsSoFar = digitsSoFar && character.isASCII && character.isNumber
                atStart = false
            }
            return out
        }.joined(separator: "\n")
    }

    /// Characters with a meaning anywhere in a line (emphasis, links, code, HTML, entities, tables, escapes).
    private static let special: Set<Character> = ["\\", "`", "*", "_", "[", "]", "<", ">", "&", "|", "~", "#", "!"]
    /// Characters with a meaning at the start of a line (lists, setext headings, thematic breaks).
    private static let specialAtStart: Set<Character> = ["-", "+", "="]
}
