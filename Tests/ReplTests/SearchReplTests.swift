import Foundation
import Repl
import Store
import Testing

/// `search`, `drafts` and `last` through the interpreter, on a real store file.
@Suite struct SearchReplTests {
    let folder: URL
    let store: CaseStore

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("fieldbook-search-\(UUID().uuidString)")
        store = try CaseStore(path: folder.appendingPathComponent("store.sqlite").path, author: "sam.okafor",
                              timeZone: TimeZone(identifier: "UTC") ?? .current)
        try store.addCase(id: "LA-1", values: [("child", "Jay Brooks"), ("dob", "2015-03-09"), ("category", "CLA"),
                                               ("placement_start", "2026-10-01")])
        try store.addCase(id: "LA-2", values: [("child", "Zoë Lee"), ("dob", "2014-01-01"), ("category", "CIN")])
    }

    private func run(_ lines: [String], interactive: Bool = false, style: TerminalStyle = .plain) -> (status: Int32, io: ScriptedIO) {
        let io = ScriptedIO(lines: lines, interactive: interactive)
        io.style = style
        let status = Interpreter(store: store, io: io).run()
        return (status, io)
    }

    /// The ids a session printed for what it created, in order.
    private func ids(_ output: String) -> [String] {
        output.split(separator: "\n").map(String.init).filter { UUID(uuidString: $0) != nil }
    }

    // MARK: - search

    @Test func searchPrintsEachRecordWithItsWordsInContext() throws {
        let (_, made) = run([#"visit LA-1 date=2026-11-19 type=planned wishes="wants to see his sister at school""#,
                             "note LA-2 Zoë's school rang: she was upset at lunch"])
        let visit = ids(made.output)[0], note = ids(made.output)[1]
        let (status, io) = run(["search school", "search upset --case LA-2", "search zoe lunch"])
        #expect(status == 0, "\(io.errors)")
        #expect(io.output == """
            LA-1  visit  2026-11-19  draft  sam.okafor  \(visit)
                wishes: wants to see his sister at [school]
            LA-2  note   \(try noteDay(note))  draft  sam.okafor  \(note)
                body: Zoë's [school] rang: she was upset at lunch
            (2 records, best match first)
            LA-2  note  \(try noteDay(note))  draft  sam.okafor  \(note)
                body: Zoë's school rang: she was [upset] at lunch
            (1 record, best match first)
            LA-2  note  \(try noteDay(note))  draft  sam.okafor  \(note)
                body: [Zoë]'s school rang: she was upset at [lunch]

            """ + "(1 record, best match first)\n")
    }

    private func noteDay(_ id: String) throws -> String {
        String((try store.snapshot(id).state.value("occurred_at") ?? "").prefix(10))
    }

    @Test func aColourTerminalHighlightsTheMatchedWords() throws {
        _ = run(["note LA-1 the school called"])
        let (_, io) = run(["search school"], style: TerminalStyle(width: 100, colour: true))
        #expect(io.output.contains("body: the \u{1B}[7mschool\u{1B}[0m called"))
    }

    @Test func csvAndJsonKeepEveryColumnWithTheMatchesInBrackets() throws {
        let (_, made) = run(["note LA-1 the school called"])
        let note = ids(made.output)[0]
        let (_, io) = run([".mode csv", "search school", ".mode json", "search called"])
        let day = try noteDay(note)
        let occurred = try store.snapshot(note).state.value("occurred_at") ?? ""
        #expect(io.output.contains("case,record,occurred,status,author,id,field,snippet\r\nLA-1,note,\(occurred),draft,sam.okafor,\(note),body,the [school] called\r\n"))
        #expect(io.output.contains(#"[{"case":"LA-1","record":"note","occurred":"\#(occurred)","status":"draft","author":"sam.okafor","id":"\#(note)","field":"body","snippet":"the school [called]"}]"#))
        #expect(day.count == 10)
    }

    @Test func manyResultsSayHowManyMoreThereAre() throws {
        _ = run((1...4).map { "note LA-1 school note \($0)" })
        let (_, io) = run(["search school --limit 2"])
        #expect(io.output.hasSuffix("(showing 2 of 4 records, best match first: add words, --case ID or --limit N)\n"))
        let none = run(["search nothing-like-it"]).io
        #expect(none.output == "(no records hold all of those words; deleted records are left out unless --deleted)\n")
    }

    @Test func typedTextIsTakenAsIsAndOnlyWordsAreLookedFor() throws {
        _ = run([#"note LA-1 Mum's partner said "not today" about the school"#])
        let (status, io) = run([#"search Mum's "not"#, #"search partner*"#, "search body:school", "search NEAR( today"])
        #expect(status == 0, "\(io.errors)")
        #expect(io.output.components(separatedBy: "(1 record, best match first)").count - 1 == 2)
        // body:school is the phrase 'body school', not a column filter; NEAR( is the word near, not an operator.
        #expect(io.output.components(separatedBy: "(no records hold all of those words").count - 1 == 2)
    }

    @Test func searchSaysWhatItNeeds() throws {
        let long = String(repeating: "word ", count: 60)
        let (_, io) = run(["search", "search * --", "search \(long)", "search school --case", "search school --limit 0",
                           "search school --case LA-9", "search --rebuild school", "search school --colour"], interactive: true)
        #expect(io.errors.contains("give at least one word to look for (letters or digits)"))
        #expect(io.errors.contains("the text to look for is 299 characters long; give at most 200"))
        #expect(io.errors.contains("search: --case needs a case id; usage: search TEXT [--case ID]"))
        #expect(io.errors.contains("search: --limit takes a number of records from 1 to 1000"))
        #expect(io.errors.contains("no case LA-9; known cases: LA-1, LA-2"))
        #expect(io.errors.contains("search: --rebuild takes nothing else"))
        #expect(io.errors.contains("search: unknown option --colour"))
    }

    @Test func rebuildMakesTheIndexAgain() throws {
        _ = run(["note LA-1 the school called"])
        let (status, io) = run(["search --rebuild", "search school", "verify"])
        #expect(status == 0, "\(io.errors)")
        #expect(io.output.contains("made the search index again from the records: 1 visits, notes and oversight entries"))
        #expect(io.output.contains("(1 record, best match first)"))
    }

    @Test func helpListsSearchAndDraftsAfterHistory() {
        let (_, io) = run(["help", "help search"])
        let lines = io.output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let history = lines.firstIndex { $0.hasPrefix("history ") }
        let search = lines.firstIndex { $0.hasPrefix("search ") }
        let drafts = lines.firstIndex { $0.hasPrefix("drafts ") }
        // After history and the case record's commands (chronology, export), search then drafts.
        #expect(history != nil && search != nil && (history ?? 0) < (search ?? 0) && drafts == search.map { $0 + 1 })
        #expect(io.output.contains("usage: search TEXT [--case ID] [--deleted] [--limit N]"))
        #expect(io.output.contains("--deleted    also records marked deleted (left out by default)"))
        #expect(io.output.contains("or last (the record you created last)"))
    }

    // MARK: - drafts and last

    @Test func draftsListsWhatIsLeftToFinishOldestFirst() throws {
        let (_, made) = run(["visit LA-2 date=2026-11-18 type=planned", "note LA-1 category=phone carer rang"])
        let visit = ids(made.output)[0], note = ids(made.output)[1]
        let (_, io) = run([".mode csv", "drafts", "finalise \(visit)", "drafts", ".mode table", "delete \(note) reason=test", "drafts"])
        let occurred = try store.snapshot(note).state.value("occurred_at") ?? ""
        #expect(io.output.contains("""
            case,child,record,occurred,age_days,summary,id\r
            LA-2,Zoë Lee,visit,2026-11-18,0,planned,\(visit)\r
            LA-1,Jay Brooks,note,\(occurred),0,phone: carer rang,\(note)\r
            finalised \(visit)
            """))
        #expect(io.output.contains("""
            case,child,record,occurred,age_days,summary,id\r
            LA-1,Jay Brooks,note,\(occurred),0,phone: carer rang,\(note)\r
            deleted \(note)
            """))
        #expect(io.output.hasSuffix("no drafts: every visit and note you started is final (or deleted)\n"))
    }

    @Test func lastIsWhatThisSessionCreatedLast() throws {
        let (status, io) = run(["visit LA-1 date=2026-11-19 type=planned", "note LA-2 carer rang", "show last", "finalise last",
                                "edit last body=changed"])
        #expect(status == 1)
        let note = ids(io.output)[1]
        #expect(io.output.contains("last: note \(note) on LA-2, created in this session\nid:       \(note)"))
        #expect(io.output.contains("last: note \(note) on LA-2, created in this session\nfinalised \(note)"))
        #expect(io.errors.contains("\(note) cannot be changed: it is final; correct it with: amend"))
    }

    @Test func withNothingCreatedInTheSessionLastIsTheStoresNewestOfMine() throws {
        let (_, made) = run(["note LA-1 first", "note LA-2 second"])
        let second = ids(made.output)[1]
        let (status, io) = run(["history last", "delete last reason=mistake"])
        #expect(status == 0, "\(io.errors)")
        #expect(io.output.contains("last: note \(second) on LA-2, created "))
        #expect(io.output.contains("(none yet in this session)"))
        #expect(io.output.contains("deleted \(second)"))
    }

    @Test func lastWithNothingCreatedSaysSo() {
        let (status, io) = run(["show last"])
        #expect(status == 1)
        #expect(io.errors.contains("'last' names the newest visit, note, amendment or oversight entry you created, and you (sam.okafor) have created none in this store"))
    }

    @Test func lastInCsvModePrintsOnlyTheTable() throws {
        _ = run(["note LA-1 first"])
        let (_, io) = run([".mode csv", "show last"])
        #expect(io.output.hasPrefix("field,value\r\n"))
    }

    @Test func amendLastAmendsTheFinalRecordJustFinalised() throws {
        let (status, io) = run(["note LA-1 carer rang on Monday", "finalise last", "amend last reason=\"wrong day\" body=\"carer rang on Tuesday\"",
                                "search tuesday"])
        #expect(status == 0, "\(io.errors)")
        let note = ids(io.output)[0]
        #expect(io.output.contains("amended \(note): body"))
        #expect(io.output.contains("    amended: carer rang on [Tuesday]"))
    }
}
