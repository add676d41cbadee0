import Testing
@testable import Repl

/// Tables on a terminal: fitted to its width, coloured only when allowed; csv and json never change.
@Suite struct TableLayoutTests {
    let table = Table(
        columns: ["case", "child", "next_due", "days_overdue", "rule"],
        rows: [[.text("LA-1042"), .text("Jay Brooks-Whitfield"), .text("2026-11-16"), Cell(7), .text("every 10 working days")],
               [.text("LA-2"), .text("Ann"), .text("2026-12-30"), Cell(0), .text("at most 6 weeks apart in the placement's first year")]],
        tones: [.alert, .normal])

    @Test func withoutATerminalTheTableKeepsItsNaturalWidthAndNoColour() {
        let plain = table.render(.table)
        #expect(plain.contains("LA-1042  Jay Brooks-Whitfield  2026-11-16             7  every 10 working days"))
        #expect(!plain.contains("\u{1B}"))
        #expect(table.render(.csv, style: TerminalStyle(width: 20, colour: true)) == table.render(.csv), "scripts get the same data")
        #expect(table.render(.json, style: TerminalStyle(width: 20, colour: true)) == table.render(.json))
    }

    @Test func aNarrowTerminalShortensTextButNeverDatesOrNumbers() {
        let fitted = table.render(.table, style: TerminalStyle(width: 72))
        let lines = fitted.split(separator: "\n")
        #expect(lines.allSatisfy { $0.count <= 72 }, "\(fitted)")
        #expect(fitted.contains("2026-11-16") && fitted.contains("2026-12-30"))
        #expect(fitted.contains("…"))
        #expect(lines.filter { $0.hasPrefix("LA-") }.count == 2 && lines.count <= 6, "still one line per row: \(fitted)")
    }

    @Test func tooNarrowForColumnsEachRowBecomesABlock() {
        let blocks = table.render(.table, style: TerminalStyle(width: 40))
        #expect(blocks.contains("-[ row 1 ]"))
        #expect(blocks.contains("days_overdue  7"))
        #expect(blocks.contains("next_due      2026-12-30"))
        #expect(blocks.split(separator: "\n").allSatisfy { $0.count <= 40 }, "\(blocks)")
        #expect(blocks.hasSuffix("(2 rows)\n"))
    }

    @Test func colourMarksTheHeaderAndOverdueRowsOnlyWhenAllowed() {
        let coloured = table.render(.table, style: TerminalStyle(width: 200, colour: true))
        #expect(coloured.hasPrefix("\u{1B}[1mcase"))
        #expect(coloured.contains("\u{1B}[31mLA-1042"))
        #expect(!coloured.contains("\u{1B}[31mLA-2"))
        #expect(!table.render(.table, style: TerminalStyle(width: 200, colour: false)).contains("\u{1B}"))
    }

    @Test func noColourIsHonouredFromTheEnvironment() {
        // Standard output is not a terminal under the test runner: never colour, whatever the environment.
        #expect(TerminalStyle.standardOutput(environment: [:]) == .plain)
        #expect(TerminalStyle.standardOutput(environment: ["NO_COLOR": "1"]) == .plain)
        // On a terminal: colour unless NO_COLOR is set to something or TERM is dumb (https://no-color.org).
        #expect(TerminalStyle.terminal(columns: 90, environment: [:]) == TerminalStyle(width: 90, colour: true))
        #expect(TerminalStyle.terminal(columns: 90, environment: ["NO_COLOR": ""]).colour, "an empty NO_COLOR does not count")
        #expect(!TerminalStyle.terminal(columns: 90, environment: ["NO_COLOR": "1"]).colour)
        #expect(!TerminalStyle.terminal(columns: 90, environment: ["TERM": "dumb"]).colour)
        #expect(TerminalStyle.terminal(columns: nil, environment: ["COLUMNS": "72"]).width == 72)
    }

    // MARK: - 80 columns (issue 12, defect 7)

    /// A caseload as a worker's store holds it: one worker, no conflicts.
    static let caseload = Table(
        columns: ["case", "child", "category", "worker", "last_visit", "last_seen_alone", "next_due", "days_overdue", "drafts", "conflicts"],
        rows: (0..<8).map { index in
            [.text("LA-10\(10 + index)"), .text(["Grace Adeyemi", "Leo Marsh", "Ruby Thompson", "Zain Ali"][index % 4]),
             .text("CLA"), .text("sam.okafor"), .text("2026-11-2\(index)"), index % 2 == 0 ? .text("2026-11-1\(index)") : .empty,
             .text("2026-12-0\(index + 1)"), Cell(index == 3 ? 4 : 0), Cell(index % 3), Cell(0)]
        },
        optionalColumns: ["last_visit", "category"])

    @Test func theCaseloadFitsEightyColumnsWithoutCuttingANameOrADate() {
        let text = Self.caseload.render(.table, style: TerminalStyle(width: 80))
        let lines = text.split(separator: "\n")
        #expect(lines.allSatisfy { $0.count <= 80 }, "\(text)")
        #expect(!text.contains("-[ row"), "columns, not blocks: \(text)")
        #expect(text.contains("Grace Adeyemi") && text.contains("Ruby Thompson"), "names whole: \(text)")
        #expect(text.contains("last_seen") && text.contains("alone"), "a long heading wraps at _ instead of being cut")
        #expect(text.contains("every row: ") && text.contains("worker sam.okafor"), "a column with one value moves to the footer: \(text)")
        #expect(text.contains("conflicts 0"))
        #expect(lines.filter { $0.hasPrefix("LA-") }.count == 8)
    }

    @Test func aSupervisorsCaseloadHidesOptionalColumnsAndSaysSo() {
        var table = Self.caseload
        table.rows = table.rows.enumerated().map { index, row in
            var row = row
            row[3] = .text(["sam.okafor", "lee.ward", "amira.hussain"][index % 3])
            row[9] = Cell(index % 2)
            return row
        }
        let text = table.render(.table, style: TerminalStyle(width: 80))
        #expect(text.split(separator: "\n").allSatisfy { $0.count <= 80 }, "\(text)")
        #expect(!text.contains("-[ row"), "\(text)")
        #expect(text.contains("amira.hussain") || text.contains("amira.h"), "\(text)")
        #expect(text.contains("hidden to fit 80 columns: last_visit"), "\(text)")
        #expect(table.render(.csv, style: TerminalStyle(width: 80)).contains("last_visit"), "csv keeps every column")
    }

    @Test func longTextMovesUnderItsRowAndIdsShortenToTheirPrefix() {
        let id = "01a232e2-cf71-700f-8f9a-ab5d916dcbfa"
        let note = "phone: Phone call with the school: attendance 94% this half term, no incidents, and the head says he is settled."
        let table = Table(columns: ["when", "record", "status", "author", "summary", "id"],
                          rows: [[.text("2026-11-30T14:00:00Z"), .text("note"), .text("final"), .text("sam.okafor"), .text(note),
                                  .recordID(id, short: "01a232e2-cf71")],
                                 [.text("2026-11-28T10:30:00Z"), .text("visit"), .text("draft"), .text("lee.ward"),
                                  .text("statutory, seen alone"), .recordID("01a232e2-cf6d-7dd5-85dc-4ad24d40d2b5", short: "01a232e2-cf6d")]],
                          flowColumn: "summary")
        let narrow = table.render(.table, style: TerminalStyle(width: 80))
        #expect(narrow.split(separator: "\n").allSatisfy { $0.count <= 80 }, "\(narrow)")
        #expect(narrow.contains("01a232e2-cf71") && !narrow.contains(id), "the short prefix, which commands accept: \(narrow)")
        #expect(narrow.contains("    phone: Phone call with the school"), "the summary on its own line: \(narrow)")
        #expect(narrow.contains("settled."), "the whole note, wrapped, not cut: \(narrow)")
        #expect(table.render(.csv).contains(id) && table.render(.json).contains(id), "csv and json keep the full id")
        let wide = table.render(.table, style: TerminalStyle(width: 200))
        #expect(wide.contains(note) && wide.contains(id), "a wide window shows all of it on one line: \(wide)")
        #expect(table.render(.table).contains(id), "a pipe keeps the full id")
    }

    @Test func aWideWindowShowsTextBeyondSixtyCharactersAPipeDoesNot() {
        let long = String(repeating: "word ", count: 24).trimmingCharacters(in: .whitespaces)
        let table = Table(columns: ["case", "text"], rows: [[.text("LA-1"), .text(long)]])
        #expect(table.render(.table, style: TerminalStyle(width: 160)).contains(long))
        #expect(!table.render(.table).contains(long), "a pipe still cuts at \(TableLayout.maximumCellWidth)")
    }

    @Test func wrappingBreaksAtSpacesAndIndentsWhatFollows() {
        let lines = TableLayout.wrapped("one two three four five six seven", width: 12, lines: 10, indent: 2)
        #expect(lines == ["one two", "  three four", "  five six", "  seven"])
        #expect(TableLayout.wrapped("aaaaaaaaaa bbbbbbbbbb cccccccccc", width: 10, lines: 2) == ["aaaaaaaaaa", "bbbbbbbbb…"])
    }
}
