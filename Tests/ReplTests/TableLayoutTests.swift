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
        #expect(lines.count == 5, "still one line per row")
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
}
