import Foundation
import Testing

/// Finishing work at a real terminal (tmux): Tab lists the drafts `finalise` can take with their type,
/// case, date and status, completes `last`, and `drafts` is then empty; `search` highlights its matches.
@Suite struct FinishingTerminalTests {
    @Test func tabListsDraftsWithWhatTheyAreAndFinaliseLastFinishesOne() throws {
        let binary = try FieldbookBinary()
        let scratch = try Scratch()
        let store = scratch.path("s.sqlite")
        let setup = try binary.run(["--store", store, "--user", "sam",
                                    "-c", #"case add C1 child="Zoë Lee" dob=2014-01-01 category=CIN plan_start=2026-10-01"#,
                                    "-c", "note C1 category=phone carer rang about school", "-c", "finalise last",
                                    "-c", #"visit C1 date=2026-11-20 type=planned wishes="wants to stay at her school""#])
        #expect(setup.status == 0, "\(setup.errors)")
        let visit = try #require(setup.lines.last)

        let terminal = try TmuxTerminal([binary.url.path, "--store", store, "--user", "sam"], width: 100, environment: ["TZ": "UTC", "NO_COLOR": ""])
        try terminal.waitFor("fieldbook> ")
        try terminal.type("finalise ")
        try terminal.waitFor("fieldbook> finalise ")
        try terminal.press("Tab")
        try terminal.press("Tab")
        // One to a line, each id with what it is; the final note is not offered to finalise.
        let listed = try terminal.waitFor("  visit      C1  2026-11-20  draft")
        #expect(listed.contains(try Regex("last +your newest record: visit on C1, earlier")))
        #expect(!listed.contains("note       C1"))
        try terminal.waitFor("fieldbook> finalise ", count: 2)
        try terminal.type("l")
        try terminal.press("Tab")
        try terminal.waitFor("fieldbook> finalise last ")
        try terminal.press("Enter")
        try terminal.waitFor("finalised \(visit)")
        try terminal.waitFor("fieldbook> ", count: 3)
        try terminal.line("drafts")
        try terminal.waitFor("no drafts: every visit and note you started is final (or deleted)")

        // search at a colour terminal: the matched word in reverse video.
        try terminal.line("search school --case C1")
        try terminal.waitFor("(2 records, best match first)")
        let coloured = try terminal.screen(escapes: true)
        #expect(coloured.contains("\u{1B}[7mschool"))
        try terminal.press("C-d")
        try terminal.waitForExit()
    }
}
