import Foundation
import GRDB
import Testing
@testable import Store

/// `search` on a real store file: the index follows every way a record changes, in the same transaction,
/// and the text a person types is only ever looked for, never obeyed as FTS5 syntax.
@Suite struct SearchTests {
    let folder: TemporaryFolder
    let clock = TestClock()
    let store: CaseStore

    init() throws {
        folder = try TemporaryFolder()
        store = try CaseStore.temporary(in: folder, clock: clock)
        try store.seedCase()
        try store.seedCase("LA-1002")
    }

    private func visit(_ values: [(String, String)], on caseID: String = "LA-1001") throws -> String {
        try store.addVisit(caseID: caseID, values: [("date", "2026-11-19"), ("type", "planned")] + values)
    }

    private func found(_ text: String, caseID: String? = nil, deleted: Bool = false) throws -> [String] {
        try store.search(text, caseID: caseID, includeDeleted: deleted).hits.map(\.recordID)
    }

    // MARK: - Kept in step

    @Test func aNewVisitAndNoteAreFoundAtOnce() throws {
        let visit = try visit([("wishes", "wants to see his sister"), ("observations", "tidy bedroom")])
        let note = try store.addNote(caseID: "LA-1002", body: "Phoned the school about attendance")
        #expect(try found("sister") == [visit])
        #expect(try found("school") == [note])
        #expect(try found("bedroom tidy") == [visit], "every word, in any order")
        #expect(try found("sister school").isEmpty, "every word must be in the one record")
    }

    @Test func anEditReplacesTheOldWords() throws {
        let visit = try visit([("wishes", "wants to see his sister")])
        _ = try store.edit(visit, values: [("wishes", "wants to live with his grandmother")])
        #expect(try found("sister").isEmpty)
        #expect(try found("grandmother") == [visit])
        _ = try store.edit(visit, values: [("wishes", "")])
        #expect(try found("grandmother").isEmpty, "a cleared field leaves the index")
    }

    @Test func anAmendmentsCorrectionFindsTheRecordItCorrects() throws {
        let visit = try visit([("seen", "yes"), ("alone", "yes"), ("wishes", "wants to see his sister")])
        try store.finalise(visit)
        let amendment = try store.amend(visit, reason: "misheard", values: [("wishes", "wants to see his stepbrother")])
        let hits = try store.search("stepbrother").hits
        #expect(hits.map(\.recordID) == [visit], "the amendment is found through its target, not as a record of its own")
        #expect(hits.first?.field == "amended")
        #expect(try found("sister") == [visit], "the original words stay in the record")
        #expect(try found("misheard").isEmpty, "the reason is not the record's text")
        #expect(!(try found("stepbrother").contains(amendment)))
    }

    @Test func deletedRecordsAreLeftOutUnlessAskedFor() throws {
        let note = try store.addNote(caseID: "LA-1001", body: "duplicate of the school call")
        try store.delete(note, reason: "typed twice")
        #expect(try found("school").isEmpty)
        #expect(try found("school", deleted: true) == [note])
    }

    @Test func aCaseRestrictsTheSearch() throws {
        let first = try store.addNote(caseID: "LA-1001", body: "school meeting")
        let second = try store.addNote(caseID: "LA-1002", body: "school meeting")
        #expect(Set(try found("school")) == [first, second])
        #expect(try found("school", caseID: "LA-1002") == [second])
        #expect(throws: StoreError.noSuchCase("LA-9", known: ["LA-1001", "LA-1002"])) { try store.search("school", caseID: "LA-9") }
    }

    @Test func oversightIsSearchedAndCasesAreNot() throws {
        let oversight = try store.addOversight(caseID: "LA-1001", body: "Discussed the plan in supervision")
        #expect(try found("supervision") == [oversight])
        #expect(try found("Jay").isEmpty, "a case's details are not searched: 'cases' lists the children")
    }

    @Test func everyVersionOfAFieldInConflictIsFound() throws {
        let visit = try visit([("wishes", "wants to see his sister")])
        let base = try #require(try store.history(visit).first)
        // An edit from another laptop that did not see this one's: the field holds two versions.
        let raced = Change(id: ChangeID(deviceID: "other-laptop", seq: 1), hlc: HLC(milliseconds: base.hlc.milliseconds - 1, counter: 0),
                           recordedAt: "2026-11-20T12:00:00.000Z", author: "priya", recordID: visit, recordType: .visit,
                           caseID: "LA-1001", kind: .edit,
                           writes: [FieldWrite(field: "wishes", value: "misses his grandmother", supersedes: [base.id])],
                           sealed: [], previousHash: Change.genesisHash)
        _ = try store.edit(visit, values: [("wishes", "wants to see his sister every week")])
        _ = try store.database.write { db in try ChangeApplier.apply([raced], db) }
        #expect(try store.conflicts().map(\.field) == ["wishes"])
        #expect(try found("grandmother") == [visit])
        #expect(try found("week") == [visit])
        let hit = try #require(try store.search("grandmother").hits.first)
        #expect(hit.field == "conflicting" || hit.field == "wishes")
        #expect(try store.verify().isIntact)
    }

    @Test func aQuarantinedCreationLeavesTheIndexWithItsRecord() throws {
        let note = try store.addNote(caseID: "LA-1001", body: "written on the wrong case")
        let change = try #require(try store.history(note).first)
        try store.recordReceipts([PushReceipt(id: change.id, status: .quarantined, reason: "not allocated", quarantineID: 7)])
        #expect(try found("wrong").isEmpty)
        #expect(try store.verify().isIntact)
    }

    @Test func aWriteThatFailsLeavesTheIndexAsItWas() throws {
        let note = try store.addNote(caseID: "LA-1001", body: "first words")
        struct Abandon: Error {}
        #expect(throws: Abandon.self) {
            try store.database.write { db in
                try db.execute(sql: "UPDATE record SET fields = json_set(fields, '$.body', 'other words') WHERE id = ?", arguments: [note])
                throw Abandon()
            }
        }
        #expect(try found("first") == [note])
        #expect(try found("other").isEmpty)
    }

    @Test func aPurgedCaseLeavesNoWordInTheIndex() throws {
        _ = try store.addNote(caseID: "LA-1001", body: "zanzibarquux appears only here")
        let kept = try store.addNote(caseID: "LA-1002", body: "another child entirely")
        // Every change acknowledged by the peer, so the case may leave.
        let changes = try store.pendingChanges(limit: 100)
        try store.recordReceipts(changes.map { PushReceipt(id: $0.id, status: .accepted) })
        #expect(try store.purgeCase("LA-1001"))
        #expect(try found("zanzibarquux").isEmpty)
        #expect(try found("child") == [kept])
        // Not in the index's pages either: the purge merges them without the deleted entries.
        let pages = try store.database.read { db in try Data.fetchAll(db, sql: "SELECT block FROM search_index_data") }
        #expect(!pages.contains { $0.range(of: Data("anzibarquux".utf8)) != nil })
        #expect(try store.verify().isIntact)
    }

    // MARK: - What is typed

    @Test func textThatWouldBeFTS5SyntaxIsOnlyLookedFor() throws {
        let note = try store.addNote(caseID: "LA-1001", body: "Mum said \"not today\"; the school near the park called")
        let hostile = [
            "\"", "\"not", "today\"", "\"\"", "NEAR(", "NEAR(school park)", "NEAR(school park, 2)", "*", "school*", "sch*",
            "-school", "+school", "^school", "(school", "school)", "body:school", "wishes:school", "{body wishes}: school",
            "NOT", "school NOT park", "school OR park", "AND", "school AND", ":", "'", "`", "\\", "%", "_", "?school",
            "school;DROP TABLE record", "\u{0}", "school\u{0}park",
        ]
        for text in hostile {
            do {
                _ = try store.search(text)
            } catch let error as SearchError {
                #expect(error == .noWords, "\(text): \(error)")
            } catch {
                Issue.record("\(text): \(error)")
            }
        }
        // The words are found, the operators are not obeyed.
        #expect(try found("school NOT park") == [note], "NOT is a word here (the note says 'not'), never an exclusion")
        #expect(try found("body:school") == [], "a column filter is not obeyed: 'body' is looked for as a word")
        #expect(try found("NEAR( school park )") == [note], "near, school and park are all in the note")
        #expect(try found("-school") == [note], "a minus sign is no exclusion")
        #expect(try found("sch*").isEmpty, "no prefix search: the star is dropped")
        #expect(try store.verify().isIntact)
    }

    @Test func overlongTextIsRefusedWithTheLimits() throws {
        let long = String(repeating: "school ", count: 1500)
        #expect(throws: SearchError.tooLong(characters: long.trimmingCharacters(in: .whitespaces).count)) { try store.search(long) }
        let manyWords = (1...17).map { "word\($0)" }.joined(separator: " ")
        #expect(throws: SearchError.tooManyWords(17)) { try store.search(manyWords) }
        #expect(throws: SearchError.noWords) { try store.search("   ") }
        #expect(throws: SearchError.noWords) { try store.search("* -- \"") }
        #expect("\(SearchError.tooLong(characters: 10_000))".contains("at most 200"))
    }

    @Test func thePatternQuotesEveryWord() throws {
        #expect(try SearchTerms("co-operate \"quoted\" NEAR(").pattern == #""co-operate" """quoted""" "NEAR(""#)
        #expect(try SearchTerms("  two   words ").words == ["two", "words"])
    }

    // MARK: - What is found

    @Test func stemsAccentsAndCapitalsMatch() throws {
        let visit = try visit([("observations", "Visited Zoë at school; she was Playing happily")])
        #expect(try found("visit") == [visit])
        #expect(try found("visits") == [visit])
        #expect(try found("zoe") == [visit])
        #expect(try found("ZOË") == [visit])
        #expect(try found("plays") == [visit])
    }

    @Test func theBestMatchComesFirst() throws {
        let passing = try store.addNote(caseID: "LA-1001", body: "A long note about many things: the carer, the school run, "
            + "the dentist, the new bike, homework, the football club, and in passing the sister.")
        let focused = try store.addNote(caseID: "LA-1001", body: "Sister visit. Sister upset. Sister to call weekly.")
        let middle = try store.addNote(caseID: "LA-1001", body: "Call with his sister and the carer.")
        #expect(try found("sister") == [focused, middle, passing])
    }

    @Test func theSnippetMarksTheMatchedWordsInTheirField() throws {
        let visit = try visit([("present", "foster carer"), ("analysis", "He is settled and his school reports good progress this term")])
        let hit = try #require(try store.search("school progress").hits.first)
        #expect(hit.recordID == visit)
        #expect(hit.field == "analysis")
        #expect(hit.snippet.marked() == "He is settled and his [school] reports good [progress] this term")
        #expect(hit.snippet.parts.filter(\.matched).map(\.text) == ["school", "progress"])
        #expect(hit.recordType == .visit)
        #expect(hit.caseID == "LA-1001")
        #expect(hit.occurredAt == "2026-11-19")
        #expect(hit.status == "draft")
        #expect(hit.author == "sam.okafor")
    }

    @Test func wordsMatchedSideBySideAreMarkedTogether() throws {
        _ = try store.addNote(caseID: "LA-1001", body: "Carer rang: the carer rang again later")
        let snippet = try #require(try store.search("carer rang").hits.first).snippet
        #expect(snippet.marked() == "[Carer rang]: the [carer rang] again later")
        #expect(SearchSnippet(marked: "\u{2}a\u{3} \u{2}b\u{3}, \u{2}c\u{3}").marked() == "[a b], [c]")
    }

    @Test func aLongTextIsCutAroundTheMatch() throws {
        let words = (1...60).map { "filler\($0)" }
        _ = try store.addNote(caseID: "LA-1001", body: (words[..<30] + ["bruise"] + words[30...]).joined(separator: " "))
        let snippet = try #require(try store.search("bruise").hits.first).snippet.marked()
        #expect(snippet.contains("[bruise]"))
        #expect(snippet.hasPrefix("…") && snippet.hasSuffix("…"))
        #expect(snippet.split(separator: " ").count <= 16)
    }

    @Test func aLimitShowsTheBestAndCountsThemAll() throws {
        for index in 1...12 { _ = try store.addNote(caseID: "LA-1001", body: "school note \(index)") }
        let results = try store.search("school", limit: 5)
        #expect(results.hits.count == 5)
        #expect(results.total == 12)
    }

    // MARK: - The index itself

    @Test func verifyFindsAnIndexEditedBehindTheStoresBack() throws {
        let note = try store.addNote(caseID: "LA-1001", body: "school meeting")
        #expect(try store.verify().isIntact)
        // Someone with the sqlite3 shell and no triggers in the way: the indexed text no longer matches.
        try store.database.write { db in
            try db.execute(sql: "DROP TRIGGER search_text_updated")
            try db.execute(sql: "UPDATE search_text SET body = 'nothing to see' WHERE record_id = ?", arguments: [note])
        }
        #expect(try store.verify().problems == [
            "search index: search_text_updated missing, so it no longer follows the records; it is made from the records: 'search --rebuild' makes it again",
        ])
        try store.database.write { db in
            try db.execute(sql: """
                CREATE TRIGGER search_text_updated AFTER UPDATE ON search_text BEGIN
                    SELECT 1;
                END
                """)
        }
        let problems = try store.verify().problems
        #expect(problems.count == 2)
        #expect(problems.first == "search index: the indexed text of 1 record(s) differs from the records (\(note)); it is made from the records: 'search --rebuild' makes it again")
        #expect(problems.last?.hasPrefix("search index: FTS5's integrity check failed") == true)
        try store.rebuildSearchIndex()
        #expect(try store.verify().isIntact)
        #expect(try found("school") == [note])
    }

    @Test func aStoreThatKeepsNoIndexSaysSoAndVerifies() throws {
        let note = try store.addNote(caseID: "LA-1001", body: "school meeting")
        try store.database.write { db in try StoreMigrations.dropSearchIndex(db) }
        _ = try store.edit(note, values: [("body", "school trip")])
        #expect(throws: SearchError.notKept) { try store.search("school") }
        #expect(try store.verify().isIntact, "no index is no damaged index")
        try store.rebuildSearchIndex()
        #expect(try found("trip") == [note])
    }

    @Test func aRebuildMendsTheIndex() throws {
        let note = try store.addNote(caseID: "LA-1001", body: "school meeting")
        try store.database.write { db in
            try db.execute(sql: "DELETE FROM search_index")
        }
        #expect(try store.verify().isIntact == false)
        #expect(try store.rebuildSearchIndex() == 1)
        #expect(try store.verify().isIntact)
        #expect(try found("school") == [note])
    }
}
