import Store

extension TableLayout {
    /// Which columns a table shows on a terminal, and how: what ``TableLayout`` has given up so far to fit
    /// the window, one ``Concession`` at a time.
    struct Plan {
        let table: Table
        /// Every cell on one line, escaped (``TableLayout/flatten(_:)``).
        let texts: [[String]]
        /// The widest a cell is shown before narrowing.
        let cap: Int
        /// The columns shown in the table's lines, in order.
        private(set) var visible: [Int]
        /// The long text column moved to its own lines under each row.
        private(set) var flowing: Int?
        private var wrapsHeadings = false
        private var shortensIDs = false
        /// Columns with one value on every row, shown in the footer instead.
        private var folded: [(column: String, value: String)] = []
        /// Optional columns left out to fit, named in the footer.
        private var hidden: [String] = []

        enum Concession: Int, CaseIterable, Comparable {
            case none, wrapHeadings, shortenIDs, flowText, foldConstants, narrowText
            static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
        }

        init(table: Table, texts: [[String]], cap: Int) {
            self.table = table
            self.texts = texts
            self.cap = cap
            visible = Array(table.columns.indices)
        }

        mutating func make(_ concession: Concession) {
            switch concession {
            case .none, .narrowText: break
            case .wrapHeadings: wrapsHeadings = true
            case .shortenIDs: shortensIDs = true
            case .foldConstants: foldConstantColumns()
            case .flowText:
                guard let name = table.flowColumn, let index = table.columns.firstIndex(of: name),
                      visible.contains(index), visible.count > 1, !texts.isEmpty else { return }
                visible.removeAll { $0 == index }
                flowing = index
            }
        }

        /// Hides the next of the table's optional columns still shown; `false` when none is left.
        mutating func hideNextOptionalColumn() -> Bool {
            for name in table.optionalColumns {
                guard let index = table.columns.firstIndex(of: name), visible.contains(index), visible.count > 1 else { continue }
                visible.removeAll { $0 == index }
                hidden.append(Self.heading(name))
                return true
            }
            return false
        }

        /// A column whose cells all hold the same text says it once, below the table. The first column
        /// (what names the row) always stays.
        private mutating func foldConstantColumns() {
            guard texts.count >= 2 else { return }
            for column in visible.dropFirst() where column != flowing {
                let value = texts[0][column]
                guard texts.allSatisfy({ $0[column] == value }) else { continue }
                visible.removeAll { $0 == column }
                folded.append((Self.heading(table.columns[column]), value.isEmpty ? "(none)" : value))
            }
        }

        /// The text of a cell as this plan shows it: a record id by its short form once ids are shortened.
        func shown(row: Int, column: Int) -> String {
            if shortensIDs, case .recordID(_, let short) = table.rows[row][column] { return SafeText.escaped(short) }
            return texts[row][column]
        }

        var naturalWidths: [Int] {
            visible.map { column in
                var width = headingWidth(column)
                for row in texts.indices { width = max(width, min(shown(row: row, column: column).count, cap)) }
                return width
            }
        }

        /// How narrow each shown column may become: dates, numbers and ids keep their full width, text
        /// keeps ``TableLayout/minimumCellWidth`` characters.
        var floors: [Int] {
            zip(visible, naturalWidths).map { column, natural in
                var unbreakable = 0
                for row in texts.indices {
                    let text = shown(row: row, column: column)
                    switch table.rows[row][column] {
                    case .number, .recordID: unbreakable = max(unbreakable, text.count)
                    case .text, .empty:
                        if TableLayout.isDate(text) || TableLayout.isRecordID(text) { unbreakable = max(unbreakable, text.count) }
                    }
                }
                // A heading is cut only at a width where even its longest word would not fit.
                return min(natural, max(TableLayout.minimumCellWidth, unbreakable, headingWidth(column)))
            }
        }

        /// The headings as lines of cells: one line, or more where a heading wraps at `_`.
        func headingLines(widths: [Int]) -> [[String]] {
            let wrapped = zip(visible, widths).map { column, width in Self.wrap(Self.heading(table.columns[column]), width: width) }
            let count = wrapped.map(\.count).max() ?? 1
            return (0..<count).map { line in wrapped.map { line < $0.count ? $0[line] : "" } }
        }

        /// What the footer adds: the folded values and the hidden columns.
        func notes(available: Int?) -> [String] {
            var notes: [String] = []
            if !folded.isEmpty {
                notes.append("every row: " + folded.map { "\($0.column) \($0.value)" }.joined(separator: ", "))
            }
            if !hidden.isEmpty, let available {
                notes.append("hidden to fit \(available) columns: \(hidden.joined(separator: ", ")) "
                             + "(a wider window, or .mode line, shows them)")
            }
            return notes
        }

        private func headingWidth(_ column: Int) -> Int {
            let heading = Self.heading(table.columns[column])
            guard wrapsHeadings else { return heading.count }
            return heading.split(separator: "_").map(\.count).max() ?? heading.count
        }

        /// Column names are escaped like cells: `sql` takes them from the query.
        private static func heading(_ name: String) -> String { SafeText.escaped(name) }

        /// A heading in lines of at most `width`, broken after its underscores.
        private static func wrap(_ heading: String, width: Int) -> [String] {
            guard heading.count > width else { return [heading] }
            var lines: [String] = []
            var current = ""
            for word in heading.split(separator: "_", omittingEmptySubsequences: false).map(String.init) {
                let candidate = current.isEmpty ? word : current + "_" + word
                if candidate.count <= width || current.isEmpty {
                    current = candidate
                } else {
                    lines.append(current)
                    current = word
                }
            }
            lines.append(current)
            return lines.map { $0.count > width ? String($0.prefix(max(width - 1, 0))) + "…" : $0 }
        }
    }
}
