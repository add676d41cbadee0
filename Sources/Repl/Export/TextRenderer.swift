import Store

/// A case record as plain text, wrapped to a width (80 columns for a file): for `export --format txt` and
/// for `chronology` at the terminal.
///
/// Every value from the store is shown with ``SafeText`` (control characters as `\u{1B}`), and every line
/// of it is indented under its label, so no value can begin a line of its own.
struct TextRenderer {
    var width = 80

    func render(_ document: RecordDocument) -> String {
        var out: [String] = []
        let rule = String(repeating: "=", count: width)
        let thin = String(repeating: "-", count: width)
        out += wrap("CASE RECORD \(clean(document.caseID)): \(clean(document.childName))", width: width, indent: "")
        if !document.integrity.isEmpty { out.append(clean(document.printed)) }
        out.append(rule)
        out.append("")
        out.append("Case")
        out += items(document.facts, indent: "  ")
        if !document.notices.isEmpty {
            out.append("")
            out.append("Notices")
            for notice in document.notices {
                out += wrap((notice.alert ? "! " : "* ") + clean(notice.text), width: width, indent: "  ", hanging: "    ")
            }
        }
        out.append("")
        out.append("Chronology: \(document.entries.count) entr\(document.entries.count == 1 ? "y" : "ies"), oldest first")
        if document.entries.isEmpty { out.append("  (nothing recorded yet)") }
        for entry in document.entries {
            out.append(thin)
            var heading = "\(entry.number). \(entry.date)  \(clean(entry.title))"
            let marks = (entry.status.map { [$0.uppercased()] } ?? []) + entry.flags.map { $0.uppercased() }
            if !marks.isEmpty { heading += "  [" + marks.joined(separator: ", ") + "]" }
            out += wrap(heading, width: width, indent: "", hanging: "    ")
            out += items(entry.stamps, indent: "    ")
            out.append("")
            out += fields(entry.fields, indent: "    ")
        }
        if !document.integrity.isEmpty {
            out.append(rule)
            out.append("Integrity")
            out += items(document.integrity, indent: "  ")
        }
        return out.joined(separator: "\n") + "\n"
    }

    // MARK: - Layout

    /// `label  value` lines, values aligned and wrapped under themselves.
    private func items(_ items: [RecordDocument.Item], indent: String) -> [String] {
        let labelWidth = min(22, items.map(\.label.count).max() ?? 0)
        return items.flatMap { item in
            labelled(item.label, clean(item.value), indent: indent, labelWidth: labelWidth)
        }
    }

    private func fields(_ fields: [RecordDocument.Field], indent: String) -> [String] {
        let labelWidth = min(22, fields.map(\.label.count).max() ?? 0)
        return fields.flatMap { field -> [String] in
            let value = field.value.isEmpty ? "(not recorded)" : clean(field.value)
            var lines = labelled(field.label, value, indent: indent, labelWidth: labelWidth)
            let under = indent + String(repeating: " ", count: labelWidth + 2)
            for note in field.notes {
                lines += wrap((note.alert ? "! " : "* ") + clean(note.text), width: width, indent: under, hanging: under + "  ")
            }
            return lines
        }
    }

    /// A label and a value over as many lines as it takes; a label too long for its column goes on a line
    /// of its own.
    private func labelled(_ label: String, _ value: String, indent: String, labelWidth: Int) -> [String] {
        let under = indent + String(repeating: " ", count: labelWidth + 2)
        var lines = wrap(value, width: width, indent: under)
        if label.count > labelWidth {
            return wrap(label, width: width, indent: indent) + lines
        }
        let head = indent + label + String(repeating: " ", count: labelWidth - label.count + 2)
        if lines.isEmpty { lines = [under] }
        lines[0] = head + lines[0].dropFirst(under.count)
        return lines.map { $0.trimmingTrailingSpaces() }
    }

    /// Text wrapped to `width`, each line after `indent` (the continuation of a wrapped line after
    /// `hanging`, when given). The text's own line breaks are kept, and so are the spaces between words
    /// on a line and at its start; a word longer than a line is cut.
    func wrap(_ text: String, width: Int, indent: String, hanging: String? = nil) -> [String] {
        var out: [String] = []
        let next = hanging ?? indent
        for (index, paragraph) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = index == 0 ? indent : next
            var lineIsEmpty = true
            // Leading spaces of a line are kept (an indented list in a note stays indented).
            let leading = paragraph.prefix { $0 == " " }
            line += leading
            var gap = 0
            for piece in paragraph.dropFirst(leading.count).split(separator: " ", omittingEmptySubsequences: false) {
                guard !piece.isEmpty else {
                    gap += 1
                    continue
                }
                var word = piece
                let spaces = lineIsEmpty ? "" : String(repeating: " ", count: gap + 1)
                gap = 0
                if word.count <= width - line.count - spaces.count {
                    line += spaces + word
                    lineIsEmpty = false
                    continue
                }
                if !lineIsEmpty {
                    out.append(line)
                    line = next
                    lineIsEmpty = true
                }
                let full = max(1, width - line.count)
                while word.count > full {
                    out.append(line + word.prefix(full))
                    word = word.dropFirst(full)
                    line = next
                }
                line += word
                lineIsEmpty = word.isEmpty
            }
            out.append(line)
        }
        return out.map { $0.trimmingTrailingSpaces() }
    }

    /// Text from the store, safe to print: control characters escaped, tabs as spaces.
    private func clean(_ text: String) -> String {
        SafeText.escaped(text, lineBreaks: .kept).replacingOccurrences(of: "\t", with: "    ")
    }
}
