import Store

/// Aligned columns for people: numbers right-aligned, long cells shortened with "…" (csv and json keep
/// everything).
///
/// Without a terminal (a pipe, a file) the table keeps its natural width, each cell at most
/// ``maximumCellWidth`` characters, so scripts see the same bytes whatever the window. On a terminal the
/// table is fitted to the window by giving up as little as it can, one concession at a time, and says in
/// its footer what it gave up:
///
/// 1. headings wrap at `_` onto a second line (`last_seen` over `alone`);
/// 2. record ids are shown by their shortest unique prefix, which every command accepts;
/// 3. the table's long text column, if it has one, moves to its own indented lines under each row;
/// 4. a column with the same value on every row moves to the footer (`every row: worker sam.okafor`);
/// 5. text columns are narrowed (never below ``minimumCellWidth``; dates, numbers and ids are never cut);
/// 6. the table's optional columns are hidden, in the order the command gave, and named in the footer.
///
/// If even that does not fit, each row is printed as a block of `column  value` lines.
struct TableLayout {
    let table: Table
    let style: TerminalStyle

    /// The widest a cell is shown when the output is not a terminal. On a terminal the window's width is
    /// the only limit.
    static let maximumCellWidth = 60
    /// Narrowing stops here: a column keeps at least this many characters (or all of it if narrower), and
    /// dates, numbers and record ids are never cut.
    static let minimumCellWidth = 8
    /// A long text column moved under its row shows at most this many lines.
    static let flowLines = 3

    func render() -> String {
        let texts = table.rows.map { $0.map(Self.flatten) }
        guard let available = style.width else {
            let plan = Plan(table: table, texts: texts, cap: Self.maximumCellWidth)
            return columns(plan, widths: plan.naturalWidths, separator: "  ", available: nil)
        }
        let cap = max(available, Self.minimumCellWidth)
        var plan = Plan(table: table, texts: texts, cap: cap)
        for concession in Plan.Concession.allCases {
            plan.make(concession)
            if let (widths, separator) = fit(plan, available: available, narrowing: concession >= .narrowText) {
                return columns(plan, widths: widths, separator: separator, available: available)
            }
        }
        while plan.hideNextOptionalColumn() {
            if let (widths, separator) = fit(plan, available: available, narrowing: true) {
                return columns(plan, widths: widths, separator: separator, available: available)
            }
        }
        return blocks(texts, width: available)
    }

    /// Widths and the gap between columns that fit `available`, or `nil`.
    private func fit(_ plan: Plan, available: Int, narrowing: Bool) -> ([Int], String)? {
        let natural = plan.naturalWidths
        for separator in ["  ", " "] where Self.total(natural, separator) <= available {
            return (natural, separator)
        }
        guard narrowing else { return nil }
        for separator in ["  ", " "] {
            if let widths = narrowed(natural, floors: plan.floors, separator: separator, available: available) {
                return (widths, separator)
            }
        }
        return nil
    }

    private static func total(_ widths: [Int], _ separator: String) -> Int {
        widths.reduce(0, +) + separator.count * max(widths.count - 1, 0)
    }

    /// Narrows the widest columns, one character at a time, until the table fits; `nil` if it cannot.
    private func narrowed(_ natural: [Int], floors: [Int], separator: String, available: Int) -> [Int]? {
        var widths = natural
        while Self.total(widths, separator) > available {
            guard let widest = widths.indices.filter({ widths[$0] > floors[$0] }).max(by: { widths[$0] < widths[$1] }) else { return nil }
            widths[widest] -= 1
        }
        return widths
    }

    // MARK: - Printing

    private func columns(_ plan: Plan, widths: [Int], separator: String, available: Int?) -> String {
        let headingLines = plan.headingLines(widths: widths)
        var lines = headingLines.map { style.paint(line($0, widths: widths, numeric: [], separator: separator), .bold) }
        lines.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: separator))
        for (index, row) in table.rows.enumerated() {
            let cells = plan.visible.map { plan.shown(row: index, column: $0) }
            let numeric = plan.visible.map { if case .number = row[$0] { return true } else { return false } }
            lines.append(toned(line(cells, widths: widths, numeric: numeric, separator: separator), row: index))
            if let flow = plan.flowing, let available {
                lines += Self.wrapped(plan.texts[index][flow], width: available - 4, lines: Self.flowLines)
                    .map { toned("    " + $0, row: index) }
            }
        }
        lines.append(footer)
        for note in plan.notes(available: available) {
            lines += available.map { Self.wrapped(note, width: $0, lines: Int.max, indent: 2) } ?? [note]
        }
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

    private func line(_ cells: [String], widths: [Int], numeric: [Bool], separator: String) -> String {
        cells.enumerated().map { index, text in
            guard index < widths.count else { return text }
            let width = widths[index]
            let shown = text.count > width ? text.prefix(max(width - 1, 0)) + "…" : text
            let pad = String(repeating: " ", count: max(0, width - shown.count))
            return index < numeric.count && numeric[index] ? pad + shown : shown + pad
        }.joined(separator: separator).trimmingTrailingSpaces()
    }

    /// `text` in lines of at most `width` characters, broken at spaces where it can be, every line after
    /// the first indented by `indent` spaces; at most `lines` lines, the last ending in "…" if text was
    /// left out.
    static func wrapped(_ text: String, width: Int, lines limit: Int, indent: Int = 0) -> [String] {
        let width = max(width, minimumCellWidth)
        let margin = String(repeating: " ", count: max(0, min(indent, width - minimumCellWidth)))
        var lines: [String] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            let room = lines.isEmpty ? width : width - margin.count
            let lead = lines.isEmpty ? "" : margin
            if lines.count == limit - 1, rest.count > room {
                lines.append(lead + String(rest.prefix(room - 1)) + "…")
                break
            }
            guard rest.count > room else { lines.append(lead + String(rest)); break }
            let window = rest.prefix(room + 1)
            let cut = window.lastIndex(of: " ").flatMap { $0 > rest.startIndex ? $0 : nil } ?? rest.index(rest.startIndex, offsetBy: room)
            lines.append(lead + String(rest[..<cut]).trimmingTrailingSpaces())
            rest = rest[cut...].drop { $0 == " " }
        }
        return lines
    }

    // MARK: - Cells

    /// A cell on one line: newlines and tabs become spaces, and every other control character is escaped
    /// (``SafeText``), so a value cannot drive the terminal or break the table's lines.
    static func flatten(_ cell: Cell) -> String {
        SafeText.escaped(String(cell.plain.map { $0.isNewline || $0 == "\t" ? " " : $0 }))
    }

    /// The column names, escaped like cells: `sql` takes them from the query.
    private var headings: [String] { table.columns.map { SafeText.escaped($0) } }

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
}
