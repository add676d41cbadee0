import Foundation
import Repl
import Store
import Testing

/// `chronology` and `export` (issue 12, feature 1) through the interpreter, on a real store file: the full
/// text at the terminal, files that cannot be made to run anything, checksums that `sha256sum` agrees
/// with, and files that are never overwritten by accident.
@Suite struct CaseRecordReplTests {
    let folder: URL
    let store: CaseStore

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("fieldbook-record-\(UUID().uuidString)")
        store = try CaseStore(path: folder.appendingPathComponent("store.sqlite").path, author: "sam.okafor",
                              timeZone: TimeZone(identifier: "UTC") ?? .current)
    }

    private func run(_ lines: [String], mode: OutputMode = .table, width: Int? = nil) -> (status: Int32, io: ScriptedIO) {
        let io = ScriptedIO(lines: lines)
        if let width { io.style = TerminalStyle(width: width) }
        let interpreter = Interpreter(store: store, io: io, keepGoing: true)
        interpreter.mode = mode
        return (interpreter.run(), io)
    }

    private func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// A child whose name and notes hold everything HTML, CSS and Markdown give a meaning to.
    static let hostileName = #"Jo <script>alert("name")</script> & 'Kim' "}</style><b>"#
    static let hostileNote = "Mum said: </td></tr></table><script>alert(1)</script> & <img src=x onerror=alert(2)> **bold** [link](http://evil.example)\n- not a list\n    not code\n# not a heading"

    /// Text inside double quotes on a command line.
    static func quoted(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }

    private func story() throws -> (visit: String, note: String) {
        let (status, io) = run([
            "case add LA-1 child=\"\(Self.quoted(Self.hostileName))\" dob=2015-03-09 category=CLA placement_start=2026-10-01",
            #"visit LA-1 date=2026-10-05T10:00 type=statutory seen=yes alone=yes location="foster home" wishes="I want to stay here.\nAnd I want to see my sister every week, and that is the most important thing to me right now because I miss her so much.""#,
        ])
        #expect(status == 0, "\(io.errors)")
        let visit = try #require(io.output.split(separator: "\n").last.map(String.init))
        let (noted, noteIO) = run(["finalise \(visit)", "note LA-1 category=phone date=2026-10-07T09:00 \(Self.hostileNote.split(separator: "\n")[0])"])
        #expect(noted == 0, "\(noteIO.errors)")
        let note = try #require(noteIO.output.split(separator: "\n").last.map(String.init))
        // The note's other lines, as a note typed over several lines.
        _ = try store.edit(note, values: [("body", Self.hostileNote)])
        let (amended, amendIO) = run(["amend \(visit) reason=\"it was at his grandmother's\" location=\"grandmother's home\"",
                                      "note LA-1 date=2026-10-09 Draft to delete", "oversight LA-1 Supervision: keep going."])
        #expect(amended == 0, "\(amendIO.errors)")
        let draft = try #require(amendIO.output.split(separator: "\n").dropLast(2).last.map(String.init))
        #expect(run(["delete \(draft) reason=\"entered on the wrong case\""]).status == 0)
        return (visit, note)
    }

    private func sha256(_ file: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = [file]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(String(decoding: data, as: UTF8.self).prefix(64))
    }

    @Test func chronologyPrintsEveryEntryInFullInTimeOrder() throws {
        let (visit, _) = try story()
        let (status, io) = run(["chronology LA-1"])
        #expect(status == 0, "\(io.errors)")
        let out = io.output
        #expect(out.hasPrefix("CASE RECORD LA-1: Jo <script>"), "at the terminal text is text")
        for expected in ["1. 2026-10-05 10:00:00 UTC  Visit (statutory)  [FINAL]", "2. 2026-10-07 09:00:00 UTC  Case note (phone)  [DRAFT]",
                         "3. 2026-10-09  Case note (general)  [DELETED]", "4. ", "Case recorded", "Amendment of visit (entry 1)",
                         "Deletion of case note (entry 3)", "Management oversight  [FINAL]",
                         "Reason for deletion", "entered on the wrong case", "Record id  \(visit)",
                         "Received   not yet synced: on this device only"] {
            #expect(out.contains(expected), "missing \(expected):\n\(out)")
        }
        // The child's words in full, wrapped under their label; the amendment beside the corrected value.
        #expect(out.contains("    Wishes and feelings  I want to stay here.\n                         And I want to see my sister every week, and that is the\n"))
        #expect(out.contains("    Location             grandmother's home\n                         * Amended 20"))
        #expect(out.contains("(entry 5), reason: it was at his grandmother's.\n                           Before: foster home\n"))
        #expect(out.split(separator: "\n").allSatisfy { $0.count <= 80 }, "80 columns to a pipe")
        let order = ["1. ", "2. ", "3. ", "4. ", "5. ", "6. ", "7. "].compactMap { out.range(of: "\n" + $0)?.lowerBound }
        #expect(order == order.sorted() && order.count == 7)
        #expect(!out.contains("Integrity"), "the terminal view has no store check")

        let (_, wide) = run(["chronology LA-1"], width: 120)
        #expect(wide.output.split(separator: "\n").contains { $0.count > 80 }, "a wide terminal is used")
    }

    @Test func chronologyInCSVAndJSON() throws {
        _ = try story()
        let (_, csv) = run(["chronology LA-1"], mode: .csv)
        let lines = csv.output.components(separatedBy: "\r\n")
        #expect(lines.first?.hasPrefix("case,child,category,dob,worker,") == true)
        #expect(lines.contains("entry,when,kind,title,status,author,recorded_at,received_at,received,record_id,text"))
        #expect(csv.output.contains("\nWishes and feelings: I want to stay here.\nAnd I want to see my sister every week, and that is the most"))
        let (_, json) = run(["chronology LA-1"], mode: .json)
        let document = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any]
        #expect((document?["case"] as? [String: Any])?["child"] as? String == Self.hostileName)
        let entries = try #require(document?["entries"] as? [[String: Any]])
        #expect(entries.count == 7)
        #expect(entries.first?["kind"] as? String == "visit")
        #expect((entries[1]["text"] as? String)?.contains(Self.hostileNote) == true, "json keeps the exact text")
    }

    @Test func htmlEscapesEverythingAndPrintsOnA4() throws {
        _ = try story()
        let file = path("LA-1.html")
        let (status, io) = run(["export LA-1 --format html --output \(file)"])
        #expect(status == 0, "\(io.errors)")
        let html = try String(contentsOfFile: file, encoding: .utf8)
        #expect(!html.lowercased().contains("<script"), "no script from the store survives")
        #expect(!html.contains("<img"))
        #expect(!html.contains("<b>"))
        #expect(html.contains("Jo &lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt; &amp; &#39;Kim&#39; &quot;}&lt;/style&gt;&lt;b&gt;"))
        #expect(html.contains("&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(2)&gt;"))
        #expect(html.components(separatedBy: "</style>").count == 2, "the style ends once, where the program ends it")
        #expect(html.components(separatedBy: "<style>").count == 2)
        // The running header carries the child's name as a CSS string: nothing in it can end the string.
        let style = try #require(html.components(separatedBy: "<style>").last?.components(separatedBy: "</style>").first)
        let topLeft = try #require(style.components(separatedBy: "@top-left { content: ").last?.prefix { $0 != ";" })
        #expect(topLeft.hasPrefix("\"LA-1 \\b7  Jo \\3c script\\3e alert(\\22 name\\22 )"), "\(topLeft)")
        #expect(topLeft.dropFirst().dropLast().allSatisfy { $0 != "\"" }, "one string: \(topLeft)")
        #expect(style.contains("size: A4"))
        #expect(style.contains(#"@bottom-right { content: "Page " counter(page) " of " counter(pages);"#))
        #expect(style.contains("break-inside: avoid"))
        #expect(html.contains("default-src 'none'"), "nothing may be loaded")
        #expect(html.components(separatedBy: "http://").count == 2, "no external resource: the only address is the note's text")
        #expect(!html.contains("https://"))
        #expect(!html.contains("src=\"") && !html.contains("href="))
        #expect(html.contains("Store check (verify)</th><td>intact: "))
        #expect(html.contains("Printed "))
        #expect(html.contains("by sam.okafor"))
    }

    @Test func markdownAndTextCarryTheSameContentSafely() throws {
        _ = try story()
        let md = path("LA-1.md"), txt = path("LA-1.txt")
        let (status, io) = run(["export LA-1 --output \(md)", "export LA-1 --output \(txt)"])
        #expect(status == 0, "\(io.errors)")
        #expect(io.output.contains("wrote \(md) (md, "))
        #expect(io.output.contains("wrote \(txt) (txt, "))
        let markdown = try String(contentsOfFile: md, encoding: .utf8)
        #expect(markdown.contains(#"Jo \<script\>alert("name")\</script\> \& 'Kim' "}\</style\>\<b\>"#))
        #expect(markdown.contains(#"\*\*bold\*\* \[link\](http://evil.example)\"#))
        #expect(markdown.contains("\\- not a list"))
        #expect(markdown.contains("\u{00A0}\u{00A0}\u{00A0}\u{00A0}not code"))
        #expect(markdown.contains("\\# not a heading"))
        #expect(!markdown.contains { $0 == "<" } || markdown.components(separatedBy: "<").dropFirst().count == markdown.components(separatedBy: "\\<").dropFirst().count,
                "every < is escaped")
        let text = try String(contentsOfFile: txt, encoding: .utf8)
        #expect(text.split(separator: "\n").allSatisfy { $0.count <= 80 })
        #expect(text.contains(Self.hostileName))
        for document in [markdown, text] {
            for shared in ["grandmother's home", "entered on the wrong case", "Supervision: keep going.", "Store check (verify)",
                           "Printed ", "not yet synced: on this device only"] {
                #expect(document.contains(shared), "missing \(shared)")
            }
        }
    }

    @Test func theChecksumIsTheFilesAndTheFileIsPrivate() throws {
        _ = try story()
        let file = path("court copy.html")
        let (status, io) = run(["export LA-1 --format html --output '\(file)'"])
        #expect(status == 0, "\(io.errors)")
        let lines = io.output.split(separator: "\n").map(String.init)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int)
        #expect(lines.first?.hasPrefix("wrote \(file) (html, ") == true)
        #expect(lines.first?.hasSuffix(" bytes, 7 entries)") == true)
        var grouped = String(size)
        for index in stride(from: grouped.count - 3, to: 0, by: -3) { grouped.insert(",", at: grouped.index(grouped.startIndex, offsetBy: index)) }
        #expect(lines.first == "wrote \(file) (html, \(grouped) bytes, 7 entries)")
        #expect(lines.last == "\(try sha256(file))  \(file)", "as sha256sum prints it")
        var info = stat()
        #expect(stat(file, &info) == 0 && info.st_mode & 0o777 == 0o600)
    }

    @Test func anExistingFileIsNeverOverwrittenWithoutForce() throws {
        _ = try story()
        let file = path("LA-1.txt")
        try "the court's copy".write(toFile: file, atomically: false, encoding: .utf8)
        let (refused, io) = run(["export LA-1 --format txt --output \(file)"])
        #expect(refused == 1)
        #expect(io.errors == "error: line 1: \(file) exists already: nothing was written; choose another name, or add --force to replace it\n")
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "the court's copy")
        let (forced, forcedIO) = run(["export LA-1 --format txt --output \(file) --force"])
        #expect(forced == 0, "\(forcedIO.errors)")
        #expect(try String(contentsOfFile: file, encoding: .utf8).hasPrefix("CASE RECORD LA-1"))
    }

    @Test func argumentsAreCheckedBeforeAnythingIsWritten() throws {
        _ = try story()
        let (_, io) = run([
            "export LA-1 --format pdf --output \(path("a.pdf"))",
            "export LA-1 --format html",
            "export LA-1 --output \(path("record"))",
            "export --format html --output \(path("b.html"))",
            "export LA-1 --format html --output \(path("c.html")) --colour",
            "export LA-9 --output \(path("d.html"))",
            "export LA-1 --output \(path("no/such/folder/e.html"))",
            "chronology",
            "chronology LA-9",
        ])
        let usage = "usage: export CASE --format html|md|txt --output FILE [--force]"
        let errors = io.errors.split(separator: "\n").map(String.init)
        #expect(errors.count == 9, "\(io.errors)")
        #expect(errors[0] == "error: line 1: export: unknown format 'pdf': choose one of html, md, txt; \(usage)")
        #expect(errors[1] == "error: line 2: export: say where to write it with --output FILE; \(usage)")
        #expect(errors[2] == "error: line 3: export: say which format with --format html|md|txt; \(usage)")
        #expect(errors[3] == "error: line 4: export: which case?; \(usage)")
        #expect(errors[4] == "error: line 5: export: unknown option '--colour'; \(usage)")
        #expect(errors[5].hasPrefix("error: line 6: no case LA-9; known cases: LA-1"))
        #expect(errors[6].hasPrefix("error: line 7: cannot write \(path("no/such/folder/e.html")): cannot create a file in"))
        #expect(errors[6].hasSuffix("; nothing was written"))
        #expect(errors[7] == "error: line 8: chronology: which case?; usage: chronology CASE")
        #expect(errors[8].hasPrefix("error: line 9: no case LA-9"))
        let made = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasPrefix("store.sqlite") }
        #expect(made.isEmpty, "nothing written: \(made)")
    }

    @Test func helpExplainsBothCommands() {
        let (_, io) = run(["help export", "help chronology", "help"])
        #expect(io.output.contains("usage: export CASE --format html|md|txt --output FILE [--force]"))
        #expect(io.output.contains("check a copy later with sha256sum"))
        #expect(io.output.contains("usage: chronology CASE"))
        #expect(io.output.contains("  chronology      a case's whole record in time order"))
        #expect(io.output.contains("  export          write a case's record to a file"))
    }
}
