import Foundation
import Repl
import Store
import Testing

/// Tab completion as a function of the line typed and the store: what each position offers, and what is
/// shown beside a record id.
@Suite struct CompletionTests {
    let folder: URL
    let store: CaseStore
    let draft: String
    let final: String

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("fieldbook-complete-\(UUID().uuidString)")
        store = try CaseStore(path: folder.appendingPathComponent("store.sqlite").path, author: "sam.okafor",
                              timeZone: TimeZone(identifier: "UTC") ?? .current)
        try store.addCase(id: "LA-1010", values: [("child", "Jay Brooks"), ("dob", "2015-03-09"), ("category", "CLA")])
        try store.addCase(id: "LA-1020", values: [("child", "Zoë Lee"), ("dob", "2014-01-01"), ("category", "CIN")])
        final = try store.addVisit(caseID: "LA-1020", values: [("date", "2026-11-18"), ("type", "planned")])
        try store.finalise(final)
        draft = try store.addVisit(caseID: "LA-1010", values: [("date", "2026-11-20"), ("type", "statutory")])
    }

    private func complete(_ line: String, session: Int64? = nil) throws -> LineCompletion? {
        try LineCompleter.complete(line, store: store, sessionStart: session)
    }

    @Test func theFirstWordIsACommandName() throws {
        let completion = try #require(try complete("overd"))
        #expect(completion.replacement == "overdue")
        #expect(completion.isComplete)
        let several = try #require(try complete("s"))
        #expect(several.candidates.map(\.text) == ["show", "search", "sync", "status", "sql"])
        #expect(several.replacement == "s")
        #expect(try complete("fin")?.replacement == "finalise", "the alias finalize is not offered, so Tab does not stop at finali")
        #expect(try complete("zz") == nil)
    }

    @Test func aRecordCommandOffersRecordsWithWhatTheyAre() throws {
        let short = try store.uniquePrefix(of: draft)
        let completion = try #require(try complete("finalise "))
        #expect(completion.candidates.map(\.text) == ["last", short], "finalise offers drafts only, and last")
        let record = try #require(completion.candidates.last)
        #expect(record.detail == "visit      LA-1010  2026-11-20  draft")
        #expect(record.display == "\(short)  visit      LA-1010  2026-11-20  draft")
        let last = try #require(completion.candidates.first)
        #expect(last.detail == "your newest record: visit on LA-1010, earlier")
        let pad = String(repeating: " ", count: short.count - 4)
        #expect(completion.listed == ["last\(pad)  your newest record: visit on LA-1010, earlier", "\(short)  visit      LA-1010  2026-11-20  draft"],
                "the details lined up")
        // Typed far enough to name one record: completed, with a space to follow.
        let one = try #require(try complete("finalise \(draft.prefix(6).uppercased())"))
        #expect(one.replacement == "finalise \(short)")
        #expect(one.isComplete)
    }

    @Test func eachCommandOffersWhatItCanActOn() throws {
        let finalShort = try store.uniquePrefix(of: final)
        #expect(try complete("amend ")?.candidates.map(\.text) == ["last", finalShort])
        #expect(try complete("resolve 0")?.candidates.map(\.text) == nil, "nothing is in conflict")
        let shown = try #require(try complete("show "))
        #expect(Set(shown.candidates.map(\.text)) == ["last", "LA-1010", "LA-1020", finalShort, try store.uniquePrefix(of: draft)])
        #expect(shown.candidates.first { $0.text == "LA-1020" }?.detail == "case  Zoë Lee (CIN)")
        #expect(try complete("show L")?.candidates.map(\.text) == ["LA-1010", "LA-1020"])
        #expect(try complete("show LA-102")?.replacement == "show LA-1020")
        #expect(try complete("case ")?.candidates.map(\.text) == ["add", "LA-1010", "LA-1020"])
        #expect(try complete("visit LA-101")?.replacement == "visit LA-1010")
        #expect(try complete("help dr")?.replacement == "help drafts")
        #expect(try complete(".mode c")?.replacement == ".mode csv")
        #expect(try complete("search --c")?.replacement == "search --case")
        #expect(try complete("search school --case LA-10")?.candidates.map(\.text) == ["LA-1010", "LA-1020"])
        #expect(try complete("search school --case LA-101")?.replacement == "search school --case LA-1010")
        #expect(try complete("search sch") == nil, "the words looked for are the person's own")
        #expect(try complete("show \(draft) ") == nil, "show takes one record")
        #expect(try complete("note LA-1010 ") == nil, "a note's text is the person's own")
    }

    @Test func recordsShareTheirCommonPartAndTheListIsBounded() throws {
        var made: [String] = []
        for day in 1...45 {
            made.append(try store.addNote(caseID: "LA-1010", body: "note \(day)"))
        }
        let completion = try #require(try complete("show 0"))
        let records = completion.candidates.filter { $0.text.first?.isHexDigit == true && $0.text != "last" }
        #expect(records.count == LineCompleter.listLimit)
        #expect(completion.unlisted == 47 - LineCompleter.listLimit)
        #expect(records.first?.text == (try store.uniquePrefix(of: made[44])), "newest first")
        // What is put on the line is shared by every matching id, also those not listed.
        let typed = String(completion.replacement.dropFirst("show ".count))
        #expect(([draft, final] + made).allSatisfy { $0.hasPrefix(typed) })
        #expect(typed.count > 1)
        #expect(!completion.isComplete)
    }

    @Test func lastIsOfferedWithThisSessionsRecord() throws {
        let session = try store.changeHead()
        let note = try store.addNote(caseID: "LA-1020", body: "carer rang")
        let completion = try #require(try complete("show l", session: session))
        #expect(completion.replacement == "show last")
        #expect(completion.candidates == [CompletionCandidate("last", detail: "your newest record: note on LA-1020, this session")])
        #expect(note.count == 36)
    }
}
