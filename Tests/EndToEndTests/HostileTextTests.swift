import Foundation
import GRDB
@testable import Store
import Testing

/// Text written by someone else (a note body, a quarantine reason quoting a forged change, a device's
/// name) reaches other people's terminals and the peer's log escaped, never raw: through the real
/// binaries, a real peer and real store files.
@Suite struct HostileTextTests {
    let binary: FieldbookBinary
    let scratch: Scratch

    init() throws {
        binary = try FieldbookBinary()
        scratch = try Scratch()
    }

    /// Clears the screen and homes the cursor, retitles the window (OSC ... BEL), starts colour with the
    /// one-byte C1 CSI, and reverses what follows (right-to-left override).
    static let clear = "\u{1B}[2J\u{1B}[H"
    static let title = "\u{1B}]0;pwned\u{07}"
    static let body = "Visit went well.\(clear)\(title)\u{9B}31m\u{202E}gnp.exe\nSecond line.\r2026-01-01 forged"
    /// A line that would look like the peer's own log line, or a listing's own row, if a newline got through.
    static let forged = "2026-01-01T00:00:00+0000 critical fieldbook.central: forged"

    private func admin(_ data: String, _ arguments: [String]) throws -> FieldbookBinary.Result {
        let result = try binary.run(["admin", "--data", data] + arguments)
        #expect(result.status == 0, "admin \(arguments): \(result.errors)")
        return result
    }

    private func code(_ result: FieldbookBinary.Result) -> String {
        String(result.output.split(whereSeparator: \.isWhitespace).last ?? "")
    }

    /// Nothing a terminal would act on: no C0 control but the newline (and the program's own CSV line
    /// ends and listing tabs where `separators` allows them), no DEL, no C1, no bidi override.
    private func expectInert(_ text: String, _ what: String, separators: Bool = false,
                             sourceLocation: SourceLocation = #_sourceLocation) {
        let checked = separators ? text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\t", with: " ") : text
        let raw = checked.unicodeScalars.filter { $0 != "\n" && SafeText.isControl($0) }
        #expect(raw.isEmpty, "\(what) holds raw control characters \(raw.map { String($0.value, radix: 16) }):\n\(text)",
                sourceLocation: sourceLocation)
    }

    @Test func controlCharactersFromOthersAreShownEscapedEverywhere() throws {
        let data = scratch.path("central")
        let samCode = code(try admin(data, ["user", "add", "sam", "--role", "worker", "--team", "north"]))
        let priyaCode = code(try admin(data, ["user", "add", "priya", "--role", "supervisor", "--team", "north"]))
        _ = try admin(data, ["case", "add", "LA-1", "--child", "Jay Brooks", "--dob", "2015-03-09", "--category", "CP", "--worker", "sam"])
        let log = scratch.path("peer.log")
        let server = try RunningServer(binary: binary, data: data, log: log)
        defer { server.stop() }
        let sam = scratch.path("sam.sqlite"), priya = scratch.path("priya.sqlite")
        #expect(try binary.run(["--store", sam, "-c", "enrol \(server.url) \(samCode)", "-c", "sync"]).status == 0)

        // Sam's laptop runs a modified client: the REPL would refuse these characters, the store does not.
        let samStore = try CaseStore(path: sam, author: "sam")
        let noteID = try samStore.addNote(caseID: "LA-1", body: Self.body)
        // A change the peer refuses, whose reason quotes its (forged) field name.
        let strayField = "x\(Self.title)\n\(Self.forged)"
        try samStore.database.write { db in
            _ = try samStore.append(db, base: nil, recordID: UUID().uuidString.lowercased(), type: .note, caseID: "LA-1",
                                    kind: .create, writes: [FieldWrite(field: strayField, value: "x", supersedes: [])])
        }
        let pushed = try binary.run(["--store", sam, "-c", "sync"])
        #expect(pushed.output.contains("pushed 2, pulled 0, conflicts 0, rejected 1"), "\(pushed.output)\(pushed.errors)")

        // A device that enrolled under a name with a newline and a forged row after it (the peer keeps
        // whatever name, up to 100 bytes, the device sends).
        #expect(try binary.run(["--store", priya, "-c", "enrol \(server.url) \(priyaCode)", "-c", "sync"]).status == 0)
        let forgedRow = "00000000-0000-0000-0000-000000000000\tpriya\tforged\tenrolled 2026-01-01\tlast seen never\tactive"
        try DatabaseQueue(path: (data as NSString).appendingPathComponent("central.sqlite")).write { db in
            try db.execute(sql: "UPDATE central_device SET name = ? WHERE user = 'priya'", arguments: ["laptop\(Self.clear)\n\(forgedRow)"])
        }

        // The supervisor reads the note in every form.
        let shown = try binary.run(["--store", priya, "-c", "show \(noteID)", "-c", "case LA-1", "-c", "history \(noteID)",
                                    "-c", "sql SELECT body FROM notes"])
        #expect(shown.status == 0, "\(shown.errors)")
        expectInert(shown.output, "show, case, history, sql")
        #expect(shown.output.contains(#"Visit went well.\u{1B}[2J\u{1B}[H\u{1B}]0;pwned\u{07}\u{9B}31m\u{202E}gnp.exe"#))
        #expect(shown.output.contains(#"\u{0D}2026-01-01 forged"#), "a carriage return is escaped: it would overwrite the line")
        #expect(shown.lines.contains { $0.hasPrefix("body:") && $0.contains("Visit went well.") }, "show in table mode")
        #expect(!shown.lines.contains { $0.hasPrefix("Second line.") }, "a note's second line stays indented under it")
        let exported = try binary.run(["--store", priya, "-c", ".mode csv", "-c", "sql SELECT body FROM notes", "-c", "history \(noteID)",
                                       "-c", ".mode json", "-c", "sql SELECT body FROM notes"])
        #expect(exported.status == 0, "\(exported.errors)")
        expectInert(exported.output, "csv and json", separators: true)
        #expect(exported.output.contains("\"Visit went well.\\u{1B}[2J"), "csv: escaped, line breaks kept inside the quoted cell")
        #expect(exported.output.contains(#""body":"Visit went well.\u001b[2J\u001b[H\u001b]0;pwned\u0007\u009b31m\u202egnp.exe\nSecond line.\r2026-01-01 forged""#),
                "json keeps the exact text, in JSON's own escapes")

        // Sam sees why the peer refused his change; the reason quotes the forged field, escaped.
        let rejected = try binary.run(["--store", sam, "-c", "rejected"])
        #expect(rejected.status == 0, "\(rejected.errors)")
        expectInert(rejected.output, "rejected")
        #expect(rejected.output.contains(#"note has no field x\u{1B}]0;pwned\u{07}"#))
        #expect(!rejected.lines.contains { $0.hasPrefix(Self.forged) }, "the reason's newline does not start a line")

        // The administrator's listings: one row per entry, whatever the names and reasons hold.
        let quarantine = try admin(data, ["quarantine", "list"])
        expectInert(quarantine.output, "admin quarantine list", separators: true)
        #expect(quarantine.lines.count == 1, "one quarantined change, one line:\n\(quarantine.output)")
        #expect(quarantine.output.contains(#"\u{0A}2026-01-01T00:00:00+0000 critical"#))
        let devices = try admin(data, ["device", "list"])
        expectInert(devices.output, "admin device list", separators: true)
        #expect(devices.lines.count == 2, "two devices, two lines:\n\(devices.output)")
        #expect(!devices.lines.contains { $0.hasPrefix("00000000-0000-0000-0000-000000000000") }, "no forged row")
        #expect(devices.output.contains(#"laptop\u{1B}[2J\u{1B}[H\u{0A}00000000-0000-0000-0000-000000000000\u{09}priya"#))

        // The peer's log line for the quarantine: one line, escaped.
        server.stop()
        let logged = try String(contentsOfFile: log, encoding: .utf8)
        expectInert(logged, "the peer's log")
        #expect(logged.contains("quarantined"), "\(logged)")
        #expect(logged.contains(#"x\u{1B}]0;pwned\u{07}\u{0A}2026-01-01T00:00:00+0000"#), "\(logged)")
        #expect(!logged.split(separator: "\n").contains { $0.hasPrefix(Self.forged) }, "no forged log line")
    }

    @Test func theREPLRefusesControlCharactersTypedOrPiped() throws {
        let store = scratch.path("typed.sqlite")
        #expect(try binary.run(["--store", store, "--user", "sam", "-c", "case add LA-2 child=Ann dob=2014-01-01 category=CIN"]).status == 0)
        let typed = try binary.run(["--store", store, "--user", "sam"], input: "note LA-2 category=phone hello\u{1B}[2J there\n")
        #expect(typed.status == 1)
        #expect(typed.errors == #"error: line 1: the line holds the control character \u{1B} at character 31, which Fieldbook does not store: nothing was done"# + "\n")
        let multiLine = try binary.run(["--store", store, "--user", "sam"], input: "note LA-2\nfirst line\nsecond\u{7}line\n.\n")
        #expect(multiLine.status == 1)
        #expect(multiLine.errors.contains(#"the control character \u{07} at character 7"#), "\(multiLine.errors)")
        let notes = try DatabaseQueue(path: store).read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM notes") }
        #expect(notes == 0, "nothing of either note was saved")
        let tab = try binary.run(["--store", store, "--user", "sam", "-c", "note LA-2 category=phone a\ttab is fine"])
        #expect(tab.status == 0, "\(tab.errors)")
    }
}
