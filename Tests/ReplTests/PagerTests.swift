import Foundation
import Store
import Testing
@testable import Repl

/// Long output at a terminal goes through the pager; what decides "long", and which pager.
@Suite struct PagerTests {
    @Test func thePagerComesFromTheEnvironment() {
        #expect(Pager.fromEnvironment([:])?.command == "less -R", "less -R unless told otherwise")
        #expect(Pager.fromEnvironment(["PAGER": "most"])?.command == "most")
        #expect(Pager.fromEnvironment(["PAGER": ""]) == nil, "PAGER= turns paging off")
        #expect(Pager.fromEnvironment(["PAGER": "cat"]) == nil)
    }

    @Test func longerMeansMoreLinesThanTheWindowShowsWithThePrompt() {
        let ten = String(repeating: "line\n", count: 10)
        #expect(!Pager.isLonger(ten, thanRows: 11, columns: 80), "ten lines and the prompt fit eleven rows")
        #expect(Pager.isLonger(ten, thanRows: 10, columns: 80))
        let wide = String(repeating: "x", count: 200) + "\n"
        #expect(Pager.isLonger(wide, thanRows: 3, columns: 80), "a 200-character line takes three rows of 80")
        #expect(!Pager.isLonger(wide, thanRows: 4, columns: 80))
        let coloured = "\u{1B}[1m" + String(repeating: "x", count: 80) + "\u{1B}[0m\n"
        #expect(!Pager.isLonger(coloured, thanRows: 2, columns: 80), "colour codes take no room")
    }

    @Test func helpFitsEightyColumnsAndKeepsExamplesWhole() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pager-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try CaseStore(path: folder.appendingPathComponent("store.sqlite").path, author: "sam.okafor")
        let io = ScriptedIO(lines: ["help", "help visit", "help case", "help cases", "help sql"])
        io.style = TerminalStyle(width: 80)
        let interpreter = Interpreter(store: store, io: io)
        _ = interpreter.run()
        let lines = io.output.split(separator: "\n")
        let overlong = lines.filter { $0.count > 80 && !$0.hasPrefix("  visit ") && !$0.hasPrefix("  case add ") && !$0.hasPrefix("  sql ") }
        #expect(overlong.isEmpty, "\(overlong)")
        #expect(io.output.contains("  visit LA-1042 date=2026-11-20T15:30 type=statutory seen=yes alone=yes bedroom=yes"),
                "an example command stays on one line, to be copied")
        #expect(io.output.contains("                  next statutory visit due"), "a summary continues under itself: \(io.output)")
    }
}
