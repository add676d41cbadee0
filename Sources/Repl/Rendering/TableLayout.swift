import Store

/// Aligned columns for people: long cells are shortened with "…" (csv and json keep everything), numbers
/// are right-aligned, and on a terminal the table is narrowed to fit its width: text columns shrink first,
/// then the gaps; if dates and numbers still do not fit, each row is printed as a block of `column value`
/// lines instead.
struct TableLayout {
    let table: Table
    let style: TerminalStyle

    /// The widest a cell is shown, whatever the terminal.
    static let maximumCellWidth = 60
    /// Narrowing stops here: a column keeps at least this many characters (or all of it if narrower), and
    /// dates, numbers and record ids are never cut.
    static let minimumCellWidth = 8

    func render() -> String {
        let texts = table.rows.map { $0.map(Self.flatten) }
        let natural = naturalWidths(texts)
        guard let available = style.width else { return columns(texts, widths: natural, separator: "  ") }
        let floors = floors(texts, natural: natural)
        for separator in ["  ", " "] {
            if let widths = fitted(natural: natural, floors: floors, separator: separator, available: available) {
                return columns(texts, widths: widths, separator: separator)
            }
        }
        return blocks(texts, width: available)
    }

    private func columns(_ texts: [[String]], widths: [Int], separator: String) -> String {
        var lines = [style.paint(line(headings, widths: widths, numeric: [], separator: separator), .bold)]
        lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: separator))
        for (index, (row, cells)) in zip(table.rows, texts).enumerated() {
            let numeric = row.map { if case .number = $0 { return true } else { return false } }
            lines.append(toned(line(cells, widths: widths, numeric: numeric, separator: separator), row: index))
        }
        lines.append(footer)
        return lines.joined(separator: "\n") + "\n"
    }

    /// Each row as `column  value` lines under a rule naming the row, for tables too wide for the terminal.
    private func blocks(_ texts: [[String]], width: Int) -> String {
        let labelWidth = headings.map(\.count).max() ?? 0
        let valueWidth = max(width - labelWidth - 2, 8)
        var lines: [String] = []
        for (index, cells) in texts.enumerated() {
            let rule = "-[ row \(index + 1) ]"
            lines.append(toned(rule + String(repeating: "-", count: max(0, min(width, 40) - rule.count)), row: index))
            for (column, text) in zip(headings, cells) {
                let shown = text.count > valueWidth ? text.prefix(valueWidth - 1) + "…" : text
                let label = column.padding(toLength: labelWidth, withPad: " ", startingAt: 0)
                lines.append((style.paint(label, .bold) + "  " + shown).trimmingTrailingSpaces())
            }
        }
        lines.append(footer)
        return lines.joined(separator: "\n") + "\n"
    }

    private var footer: String { "(\(table.rows.count) row\(table.rows.count == 1 ? "" : "s"))" }

    private func toned(_ text: String, row index: Int) -> String {
        switch index < table.tones.count ? table.tones[index] : .normal {
        case .normal: return text
        case .alert: return style.paint(text, .alert)
        case .warning: return style.paint(text, .warning)
        }
    }

    /// A cell on one line: newlines and tabs become spaces, and every other control character is escaped
    /// (``SafeText``), so a value cannot drive the terminal or break the table's lines.
    static func flatten(_ cell: Cell) -> String {
        SafeText.escaped(String(cell.plain.map { $0.isNewline || $0 == "\t" ? " " : $0 }))
    }

    /// The column names, escaped like cells: `sql` takes them from the query.
    private var headings: [String] { table.columns.map { SafeText.escaped($0) } }

    private func naturalWidths(_ texts: [[String]]) -> [Int] {
        var widths = headings.map(\.count)
        for row in texts {
            for (index, text) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], min(text.count, Self.maximumCellWidth))
            }
        }
        return widths
    }

    /// How narrow each column may become: dates and numbers keep their full width, text keeps
    /// ``minimumCellWidth`` characters.
    private func floors(_ texts: [[String]], natural: [Int]) -> [Int] {
        natural.indices.map { column in
            var unbreakable = 0
            for (row, cells) in zip(table.rows, texts) where column < cells.count {
                if case .number = row[column] { unbreakable = max(unbreakable, cells[column].count) }
                if Self.isDate(cells[column]) || Self.isRecordID(cells[column]) { unbreakable = max(unbreakable, cells[column].count) }
            }
            return min(natural[column], max(Self.minimumCellWidth, unbreakable))
        }
    }

    /// A full record id (a UUID): cut, it could no longer name the record.
    static func isRecordID(_ text: String) -> Bool {
        text.utf8.count == 36 && text.utf8.enumerated().allSatisfy { index, byte in
            [8, 13, 18, 23].contains(index) ? byte == UInt8(ascii: "-") : (byte >= 48 && byte <= 57) || (byte >= 97 && byte <= 102)
        }
    }

    /// `YYYY-MM-DD` at the start: cut, a date would mislead.
    static func isDate(_ text: String) -> Bool {
        let bytes = Array(text.utf8.prefix(10))
        guard bytes.count == 10 else { return false }
        return bytes.enumerated().allSatisfy { index, byte in
            index == 4 || index == 7 ? byte == UInt8(ascii: "-") : (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
    }

    /// Narrows the widest columns, one character at a time, until the table fits; `nil` if it cannot.
    private func fitted(natural: [Int], floors: [Int], separator: String, available: Int) -> [Int]? {
        var widths = natural
        let gaps = separator.count * max(widths.count - 1, 0)
        while widths.reduce(0, +) + gaps > available {
            guard let widest = widths.indices.filter({ widths[$0] > floors[$0] }).max(by: { widths[$0] < widths[$1] }) else { return nil }
            widths[widest] -= 1
        }
        return widths
    }

    private func line(_ cells: [String], widths: [Int], numeric: [Bool], separator: String) -> String {
        cells.enumerated().map { index, text in
            guard index < widths.count else { return text }
            let width = widths[index]
            let shown = text.count > width ? text.prefix(max(width - 1, 0)) + "…" : text
            let pad = String(repeating: " ", count: max(0, width - shown.count))
            return index < numeric.count && numeric[index] ? pad + shown : shown + pad
        }.joined(separator: separator).trimmingTrailingSpaces()
    }
}
