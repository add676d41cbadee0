import Foundation
import Testing

/// The interactive REPL in a real pseudo-terminal (tmux): line editing, Ctrl-C, tab completion, guided
/// entry with a multi-line answer, history across runs, Ctrl-D, colour, NO_COLOR and tables that fit.
@Suite(.serialized) struct TerminalTests {
    @Test func aPersonAtTheTerminal() throws {
        let binary = try FieldbookBinary()
        let scratch = try Scratch()
        let store = scratch.path("s.sqlite")
        let command = [binary.url.path, "--store", store, "--user", "sam"]

        let first = try TmuxTerminal(command, width: 110, environment: ["TZ": "UTC", "NO_COLOR": ""])
        try first.waitFor("fieldbook> ")
        try first.line(#"case add C1 child="Zoë Lee" dob=2014-01-01 category=CIN plan_start=2026-10-01"#)
        try first.waitFor("added case C1: Zoë Lee, CIN, worker sam")

        // Ctrl-C abandons the line at once, without Enter, and the program carries on.
        try first.type("verify this never runs")
        // Pressed before the program has read what was typed, Ctrl-C would make the terminal discard it.
        try first.waitFor("fieldbook> verify this never runs")
        try first.press("C-c")
        try first.waitFor("verify this never runs^C\nfieldbook> ")

        // Tab completes commands and case ids.
        try first.type("overd")
        try first.press("Tab")
        try first.press("Enter")
        try first.waitFor("fieldbook> overdue \n")
        // Typed while a command still runs, keys reach the terminal's own line discipline, not libedit: wait
        // for the prompt (seen flaking in a loaded CI run).
        try first.waitFor("(1 row)\nfieldbook> ")
        try first.type("show C")
        try first.waitFor("fieldbook> show C")
        try first.press("Tab")
        try first.press("Enter")
        try first.waitFor("fieldbook> show C1 \n")
        try first.waitFor("child:      Zoë Lee")

        // Guided entry asks for what a statutory visit needs, and takes a paragraph over several lines.
        try first.line("visit C1 date=2026-11-20 type=statutory")
        try first.waitFor("seen (whether the child was seen; yes or no; blank to add later): ")
        try first.line("yes")
        try first.waitFor("alone (whether the child was seen alone; yes or no; blank to add later): ")
        try first.line("no")
        try first.waitFor("alone_reason (why the child was not seen alone; one of refused, inappropriate, unable; blank to add later): ")
        try first.line("refused")
        try first.waitFor("wishes (the child's wishes and feelings, in their own words; one or more lines")
        try first.line("She wants to stay with her carers.")
        try first.waitFor("\n....... ")
        try first.line("She misses her brother.")
        try first.waitFor("\n....... ", count: 2)
        try first.line(".")
        try first.waitFor("recorded visit on C1 (draft)")
        try first.line(".mode json")
        try first.line("sql SELECT seen, seen_alone, alone_reason, wishes FROM visits")
        try first.waitFor(#""alone_reason":"refused","wishes":"She wants to stay with her carers.\nShe misses her brother."}"#)

        // Colour on a terminal: a bold header, the overdue row in red.
        try first.line(".mode table")
        try first.line("cases")
        try first.waitFor("(1 row)", count: 2)  // the first was overdue's
        let coloured = try first.screen(escapes: true)
        #expect(coloured.contains("\u{1B}[1mcase"), "bold header on a colour terminal")

        // Ctrl-D on an empty line leaves; the commands typed (not the answers) are kept for next time.
        try first.press("C-d")
        try first.waitForExit()
        // libedit's history file escapes spaces as \040.
        let history = try String(contentsOfFile: store + ".history", encoding: .utf8).replacingOccurrences(of: "\\040", with: " ")
        #expect(history.contains("case add C1"))
        #expect(history.contains("cases"))
        #expect(!history.contains("She misses her brother"), "answers to questions stay out of the history")

        // A narrow terminal with NO_COLOR: history from the last run, no colour, the table fitted to 60
        // columns (or, where nothing more can be given up, one block per row).
        let second = try TmuxTerminal(command, width: 60, environment: ["TZ": "UTC", "NO_COLOR": "1"])
        try second.waitFor("fieldbook> ")
        try second.press("Up")
        try second.waitFor("fieldbook> cases")
        try second.press("Enter")
        try second.waitFor("(1 row)")
        let narrow = try second.screen(escapes: true)
        #expect(narrow.contains("Zoë Lee"), "\(narrow)")
        #expect(!narrow.contains("\u{1B}["), "NO_COLOR: no escape codes at all")
        for line in try second.screen().split(separator: "\n") {
            #expect(line.count <= 60, "every line fits: \(line)")
        }
        try second.press("C-d")
        try second.waitForExit()
    }

    /// Issue 12, defect 2: the demo is the plain REPL at a terminal. Ctrl-C drops the line and leaves its
    /// embedded central peer running (the next sync works at once), Up recalls the last command, and
    /// leaving shuts the peer down without an error.
    @Test func theDemoAtATerminalKeepsItsPeerThroughCtrlC() throws {
        let binary = try FieldbookBinary()
        let scratch = try Scratch()
        let demo = try TmuxTerminal([binary.url.path, "demo", "--store", scratch.path("demo.sqlite"), "--data", scratch.path("central")],
                                    width: 120, environment: ["TZ": "UTC", "NO_COLOR": ""])
        try demo.waitFor("fieldbook> ", timeout: 60)
        try demo.type("sync but not yet")
        try demo.waitFor("fieldbook> sync but not yet")
        try demo.press("C-c")
        try demo.waitFor("sync but not yet^C\nfieldbook> ")
        try demo.line("sync")
        try demo.waitFor("pushed 0, pulled 0, conflicts 0, rejected 0", timeout: 15)
        try demo.waitFor("fieldbook> ", count: 3)  // the prompt back after the sync
        try demo.press("Up")
        try demo.waitFor("fieldbook> sync", count: 2)
        try demo.press("C-u")
        try demo.press("C-d")
        try demo.waitForExit(timeout: 15)
        let screen = try demo.screen()
        #expect(!screen.contains("HummingbirdCore"), "a clean exit, no error from the stopped peer")
        #expect(!screen.contains("error"))
    }

    /// Issue 12, defect 2: the demo's embedded peer writes its log to a file beside its data, never into the
    /// worker's terminal. A refused enrolment from another process (which the peer logs as a warning) leaves
    /// the demo's screen alone, and the line is in the log file.
    @Test func theDemosPeerLogsToItsFileNotTheTerminal() throws {
        let binary = try FieldbookBinary()
        let scratch = try Scratch()
        let data = scratch.path("central")
        let demo = try TmuxTerminal([binary.url.path, "demo", "--store", scratch.path("demo.sqlite"), "--data", data],
                                    width: 160, environment: ["TZ": "UTC", "NO_COLOR": ""])
        let banner = try demo.waitFor("fieldbook> ", timeout: 60)
        let url = try #require(banner.split(whereSeparator: \.isWhitespace).first { $0.hasPrefix("http://127.0.0.1:") }).description
        let refused = try binary.run(["--store", scratch.path("other.sqlite"), "-c", "enrol \(url) AAAA-BBBB-CCCC"])
        #expect(refused.status != 0)
        try demo.line("status")
        try demo.waitFor("pending:", timeout: 15)
        let screen = try demo.screen()
        #expect(!screen.contains("enrolment refused"), "the peer's warning stayed out of the REPL: \(screen)")
        let log = try String(contentsOfFile: (data as NSString).appendingPathComponent("peer.log"), encoding: .utf8)
        #expect(log.contains("enrolment refused"))
        try demo.press("C-d")
        try demo.waitForExit(timeout: 15)
    }

    /// Issue 12, defect 6: a sync to a peer that never answers (a real `fieldbook serve`, frozen with
    /// SIGSTOP: connections are accepted, nothing is answered) says at once where it is connecting, and
    /// Ctrl-C stops it cleanly: the prompt comes back, the next command runs, and nothing was half-applied.
    @Test func ctrlCStopsASyncToAPeerThatNeverAnswers() throws {
        let binary = try FieldbookBinary()
        let scratch = try Scratch()
        let data = scratch.path("central")
        let added = try binary.run(["admin", "--data", data, "user", "add", "sam", "--role", "worker", "--team", "north"])
        let code = String(added.output.split(whereSeparator: \.isWhitespace).last ?? "")
        let server = try RunningServer(binary: binary, data: data)
        defer {
            kill(server.process.processIdentifier, SIGCONT)
            server.stop()
        }
        let store = scratch.path("s.sqlite")
        #expect(try binary.run(["--store", store, "--user", "sam", "-c", "enrol \(server.url) \(code)"]).status == 0)
        kill(server.process.processIdentifier, SIGSTOP)

        let terminal = try TmuxTerminal([binary.url.path, "--store", store], width: 120, environment: ["NO_COLOR": ""])
        try terminal.waitFor("fieldbook> ")
        try terminal.line("sync")
        try terminal.waitFor("connecting to \(server.url) …")
        Thread.sleep(forTimeInterval: 0.5)
        try terminal.press("C-c")
        try terminal.waitFor("sync stopped (Ctrl-C): every batch that had arrived is kept", timeout: 5)
        try terminal.waitFor("fieldbook> ", count: 2)
        try terminal.line("status")
        try terminal.waitFor("pending:   0 change(s) not yet on the central peer")
        try terminal.press("C-d")
        try terminal.waitForExit()
    }

    /// At 80 columns the main views fit the window, and output longer than it goes through the pager
    /// (less, as a person has it); into a pipe nothing is ever paged (issue 12, defect 7).
    @Test func longOutputIsPagedAtATerminalAndNeverInAPipe() throws {
        let binary = try FieldbookBinary()
        let scratch = try Scratch()
        let store = scratch.path("s.sqlite")
        let setup = try binary.run(["--store", store, "--user", "sam",
                                    "-c", #"case add LA-1 child="Grace Adeyemi" dob=2014-01-01 category=CIN plan_start=2026-10-01"#,
                                    "-c", "note LA-1 category=phone Phone call with the school: attendance 94% this half term, no incidents, and the head says he is settled."])
        #expect(setup.status == 0, "\(setup.errors)")

        let terminal = try TmuxTerminal([binary.url.path, "--store", store], width: 80, height: 20,
                                        environment: ["NO_COLOR": "1", "PAGER": "less -R", "TZ": "UTC"])
        try terminal.waitFor("fieldbook> ")
        try terminal.line("case LA-1")
        let view = try terminal.waitFor("(1 row)")
        #expect(view.split(separator: "\n").allSatisfy { $0.count <= 80 }, "\(view)")
        #expect(view.contains("    note: phone: Phone call with the school") || view.contains("    phone: Phone call with the school"),
                "the note's line under its row, not cut to a few characters: \(view)")
        try terminal.waitFor("fieldbook> ", count: 2)
        // search and drafts fit too: short ids, the words in context wrapped under themselves.
        try terminal.line("search school")
        try terminal.waitFor("(1 record, best match first)")
        try terminal.waitFor("fieldbook> ", count: 3)
        try terminal.line("drafts")
        let finished = try terminal.waitFor("(1 row)")
        #expect(finished.split(separator: "\n").allSatisfy { $0.count <= 80 }, "\(finished)")
        #expect(finished.contains("    body: Phone call with the [school]: attendance 94%"), "\(finished)")
        try terminal.waitFor("fieldbook> ", count: 4)
        try terminal.line("help")
        // less shows the first screen and waits: the list's end is not on the screen yet.
        let paged = try terminal.waitFor("\n:")
        #expect(paged.contains("Commands (help COMMAND for details):") && !paged.contains("quit            leave"), "\(paged)")
        try terminal.press("q")
        try terminal.waitFor("fieldbook> ", count: 5)
        try terminal.line("status")
        try terminal.waitFor("rejected:")
        try terminal.press("C-d")
        try terminal.waitForExit()

        // A pipe is never paged, whatever PAGER says: the pager here would leave a mark.
        let mark = scratch.path("paged")
        let piped = try binary.run(["--store", store], input: "help\n", environment: ["PAGER": "touch \(mark); cat"])
        #expect(piped.output.contains("quit            leave"))
        #expect(!FileManager.default.fileExists(atPath: mark))
    }
}
