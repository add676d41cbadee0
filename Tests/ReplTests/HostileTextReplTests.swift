import Foundation
import Repl
import Store
import Testing

/// What other people wrote is shown escaped by every renderer of the REPL, what is typed is refused if it
/// holds control characters. The interpreter driven through `ScriptedIO` on real store files.
@Suite struct HostileTextReplTests {
    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("fieldbook-hostile-\(UUID().uuidString)")
    }

    private func store(_ name: String) throws -> CaseStore {
        try CaseStore(path: folder.appendingPathComponent(name).path, author: "sam.okafor", timeZone: TimeZone(identifier: "UTC") ?? .current)
    }

    private func run(_ store: CaseStore, _ lines: [String], interactive: Bool = false) -> ScriptedIO {
        let io = ScriptedIO(lines: lines, interactive: interactive)
        _ = Interpreter(store: store, io: io, keepGoing: true).run()
        return io
    }

    private static func raw(_ text: String) -> [Unicode.Scalar] {
        text.unicodeScalars.filter { $0 != "\n" && SafeText.isControl($0) }
    }

    @Test func conflictingVersionsFromAnotherDeviceAreShownEscapedAndIndented() throws {
        let mine = try store("mine.sqlite"), theirs = try store("theirs.sqlite")
        try mine.addCase(id: "LA-1", values: [("child", "Jay Brooks"), ("dob", "2015-03-09"), ("category", "CIN")])
        let note = try mine.addNote(caseID: "LA-1", body: "first")
        try theirs.applyPulled(try mine.pendingChanges(limit: 100), receivedAt: [:], cursor: 1)
        _ = try mine.edit(note, values: [("body", "mine")])
        _ = try theirs.edit(note, values: [("body", "theirs\u{1B}[2J\u{1B}]0;owned\u{07}\nfieldbook> forged prompt")])
        try mine.applyPulled(try theirs.pendingChanges(limit: 100), receivedAt: [:], cursor: 2)

        let io = run(mine, ["conflicts", "history \(note)", "show \(note)"])
        #expect(io.errors == "")
        #expect(Self.raw(io.output).isEmpty, "\(io.output)")
        #expect(io.output.contains(#"theirs\u{1B}[2J\u{1B}]0;owned\u{07}"#))
        let lines = io.output.split(separator: "\n")
        #expect(!lines.contains { $0.hasPrefix("fieldbook> forged") }, "the second line of a version is indented:\n\(io.output)")
        #expect(lines.contains { $0.hasPrefix("      fieldbook> forged prompt") })
    }

    @Test func tablesCSVAndJSONEscapeCellsAndHeadings() {
        let table = Table(columns: ["a\u{1B}[2J"], rows: [[.text("x\u{9B}1m\u{202E}y\u{7F}\nz\u{0}")]])
        let lines = table.render(.table).split(separator: "\n")
        #expect(lines.first == #"a\u{1B}[2J"#)
        #expect(lines.dropFirst(2).first == #"x\u{9B}1m\u{202E}y\u{7F} z\u{00}"#, "a line break in a cell is a space in a table")
        #expect(table.render(.csv) == "a\\u{1B}[2J\r\n\"x\\u{9B}1m\\u{202E}y\\u{7F}\nz\\u{00}\"\r\n")
        #expect(table.render(.json) == #"[{"a\u001b[2J":"x\u009b1m\u202ey\u007f\nz\u0000"}]"# + "\n")
    }

    @Test func controlCharactersTypedAreRefusedAndTheAnswerAskedAgain() throws {
        let store = try store("typed.sqlite")
        let io = run(store, ["case add LA-2 child=Ann dob=2014-01-01 category=CIN",
                             "case add LA-3\u{1B} child=Bo dob=2014-01-01 category=CIN",
                             "note LA-2", "calm line", "bell\u{07} line", "second try", ".",
                             "case add LA-4", "Cy\u{1B}[31m", "Cy", "2014-01-01", "CP"], interactive: true)
        #expect(io.errors.contains(#"error: the line holds the control character \u{1B} at character 14, which Fieldbook does not store: nothing was done"#))
        #expect(io.errors.contains(#"the line holds the control character \u{07} at character 5, which Fieldbook does not store: nothing was done; type the line again"#))
        #expect(try store.caseIDs() == ["LA-2", "LA-4"])
        let body = try store.chronology("LA-2").first { $0.type == .note }.map { try store.snapshot($0.recordID).state.value("body") }
        #expect(body == "calm line\nsecond try")
        #expect(try store.caseState("LA-4").value("child_name") == "Cy")
    }
}
