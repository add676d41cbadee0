import Foundation
import GRDB
import Testing
@testable import Store

/// The store on a real SQLite file: change capture, life cycle, and refusals that leave nothing behind.
@Suite struct CaseStoreTests {
    let folder: TemporaryFolder
    let clock = TestClock()
    let store: CaseStore

    init() throws {
        folder = try TemporaryFolder()
        store = try CaseStore.temporary(in: folder, clock: clock)
        try store.seedCase()
    }

    private func visit(_ extra: [(key: String, value: String)] = []) throws -> String {
        try store.addVisit(caseID: "LA-1001", values: [("date", "2026-11-19T15:30"), ("type", "planned")] + extra)
    }

    @Test func everyMutationWritesOneHashChainedChangeInTheSameTransaction() throws {
        let id = try visit([("seen", "yes"), ("wishes", "wants to stay")])
        clock.advance(seconds: 60)
        _ = try store.edit(id, values: [("alone", "yes")])
        try store.finalise(id)
        let changes = try store.pool.read { db in try ChangeLog.fetch(db, where: "1", orderBy: "seq") }
        #expect(changes.map(\.kind) == [.create, .create, .edit, .finalise])
        #expect(changes.map(\.id.seq) == [1, 2, 3, 4])
        #expect(changes.allSatisfy { $0.hashIsValid && $0.author == "sam.okafor" && $0.id.deviceID == store.deviceID })
        #expect(changes[0].previousHash == Change.genesisHash)
        for (earlier, later) in zip(changes, changes.dropFirst()) {
            #expect(later.previousHash == earlier.hash)
            #expect(earlier.hlc < later.hlc)
        }
        #expect(changes[2].writes == [FieldWrite(field: "seen_alone", value: "yes", supersedes: [])])
        #expect(changes[3].sealed == [changes[1].id, changes[2].id])
        let row = try store.pool.read { db in
            try Row.fetchOne(db, sql: "SELECT occurred_at, recorded_at, author, seen, seen_alone, wishes, status FROM visits WHERE id = ?", arguments: [id])
        }
        #expect(row?["occurred_at"] == "2026-11-19T15:30:00Z")
        #expect(row?["recorded_at"] == "2026-11-20T12:00:00.000Z")
        #expect(row?["author"] == "sam.okafor")
        #expect(row?["seen"] == 1)
        #expect(row?["seen_alone"] == 1)
        #expect(row?["wishes"] == "wants to stay")
        #expect(row?["status"] == "final")
    }

    @Test func aFinalRecordCannotBeEditedAndNothingIsStored() throws {
        let id = try visit([("wishes", "original words")])
        try store.finalise(id)
        let before = try store.changeCount()
        #expect(throws: StoreError.self) { try store.edit(id, values: [("wishes", "changed")]) }
        #expect(throws: StoreError.self) { try store.finalise(id) }
        #expect(throws: StoreError.self) { try store.delete(id, reason: "oops") }
        #expect(try store.changeCount() == before)
        #expect(try store.snapshot(id).state.value("wishes") == "original words")
        do {
            _ = try store.edit(id, values: [("wishes", "changed")])
        } catch let error as StoreError {
            #expect(error.description.contains("is final; correct it with: amend"))
        }
    }

    @Test func anAmendmentCorrectsAFinalRecordAndKeepsTheOriginal() throws {
        let id = try visit([("present", "foster carer")])
        try store.finalise(id)
        clock.advance(seconds: 3600)
        let amendment = try store.amend(id, reason: "name missing", values: [("present", "foster carer (Mrs Lowe)")])
        let snapshot = try store.snapshot(id)
        #expect(snapshot.state.value("present") == "foster carer")
        #expect(snapshot.effectiveValues["present"] == "foster carer (Mrs Lowe)")
        #expect(snapshot.amendments.map(\.recordID) == [amendment])
        #expect(snapshot.amendments.first?.status == .final)
        #expect(snapshot.amendments.first?.value("reason") == "name missing")
        #expect(throws: StoreError.self) { _ = try store.edit(amendment, values: [("reason", "x")]) }
        #expect(throws: StoreError.self) { _ = try store.amend(amendment, reason: "x", values: [("reason", "y")]) }
    }

    @Test func aStatutoryVisitIsFinalisedOnlyWithSeenAloneAndWishes() throws {
        let id = try store.addVisit(caseID: "LA-1001", values: [("date", "2026-11-19"), ("type", "statutory")])
        func refusal() -> String {
            do { try store.finalise(id); return "finalised" } catch { return "\(error)" }
        }
        #expect(refusal().hasSuffix("a statutory visit is finalised only with seen (and, if the child was seen, alone and wishes) recorded (edit it first)"))
        _ = try store.edit(id, values: [("seen", "yes"), ("alone", "no")])
        #expect(refusal().hasSuffix("a statutory visit is finalised only with alone_reason, wishes recorded (edit it first)"))
        _ = try store.edit(id, values: [("alone_reason", "refused"), ("wishes", "did not want to talk today")])
        #expect(refusal() == "finalised")
        // A visit where the child was not seen can be finalised as it is: it never counts as a statutory visit.
        let attempt = try store.addVisit(caseID: "LA-1001", values: [("date", "2026-11-19"), ("type", "statutory"), ("seen", "no")])
        try store.finalise(attempt)
    }

    @Test func draftsAreAmendedByEditingNotAmendments() throws {
        let id = try visit()
        #expect(throws: StoreError.self) { _ = try store.amend(id, reason: "r", values: [("seen", "yes")]) }
        #expect(throws: StoreError.self) { _ = try store.amend(id, reason: " ", values: [("seen", "yes")]) }
    }

    @Test func aDraftIsDeletedOnlyWithAReasonAndStaysInTheStore() throws {
        let id = try store.addNote(caseID: "LA-1001", body: "wrong child")
        #expect(throws: StoreError.self) { try store.delete(id, reason: "  ") }
        try store.delete(id, reason: "recorded on the wrong case")
        let state = try store.snapshot(id).state
        #expect(state.status == .deleted)
        #expect(state.value("delete_reason") == "recorded on the wrong case")
        #expect(state.value("body") == "wrong child")
        #expect(throws: StoreError.self) { _ = try store.edit(id, values: [("body", "x")]) }
    }

    @Test func badInputIsRefusedWithASpecificMessageAndNothingStored() throws {
        let before = try store.changeCount()
        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "no error" } catch { return "\(error)" }
        }
        #expect(message { _ = try visit([("colour", "red")]) }.contains("valid keys: date, type, seen, alone"))
        #expect(message { _ = try store.addVisit(caseID: "LA-1001", values: [("date", "2026-02-30"), ("type", "statutory")]) }
            .contains("date=2026-02-30 is not valid"))
        #expect(message { _ = try store.addVisit(caseID: "LA-1001", values: [("date", "2026-12-25"), ("type", "statutory")]) }
            .contains("not in the future"))
        #expect(message { _ = try store.addVisit(caseID: "LA-1001", values: [("date", "yesterday-ish"), ("type", "statutory")]) }
            .contains("expected a date"))
        #expect(message { _ = try store.addVisit(caseID: "LA-9999", values: [("date", "2026-11-19"), ("type", "statutory")]) }
            == "no case LA-9999; known cases: LA-1001")
        #expect(message { _ = try store.addVisit(caseID: "LA-1001", values: [("type", "statutory")]) }
            == "a visit needs date (missing)")
        #expect(message { _ = try visit([("seen", "perhaps")]) }.contains("expected yes or no"))
        #expect(message { _ = try visit([("seen", "no"), ("alone", "yes")]) }.contains("contradicts"))
        #expect(message { _ = try visit([("type", "again")]) }.contains("given twice"))
        #expect(message { try store.addCase(id: "LA-1001", values: [("child", "X"), ("dob", "2020-01-01"), ("category", "CP")]) }
            == "case LA-1001 already exists")
        #expect(message { try store.addCase(id: "LA 2", values: [("child", "X"), ("dob", "2020-01-01"), ("category", "CP")]) }
            .contains("not a usable case id"))
        #expect(message { try store.addCase(id: "LA-2", values: [("child", "X"), ("dob", "2020-01-01"), ("category", "XX")]) }
            .contains("expected one of CIN, CP, CLA, PF"))
        #expect(message { _ = try visit([("wishes", String(repeating: "x", count: 70_000))]) }.contains("at most 64 KiB"))
        #expect(try store.changeCount() == before)
    }

    @Test func recordsAreNamedByFullIDOrAUniquePrefixOfAtLeastSixCharacters() throws {
        // The clock stands still, so ids made now share their time-ordered first 12 characters.
        let first = try visit()
        let second = try visit()
        #expect(try store.resolveRecordID(first) == first)
        #expect(try store.resolveRecordID(first.uppercased().prefix(36).lowercased()) == first)
        #expect(throws: StoreError.prefixTooShort("01a2b")) { try store.resolveRecordID("01a2b") }
        #expect(throws: StoreError.ambiguousPrefix(String(first.prefix(8)), matches: [first, second].sorted())) {
            try store.resolveRecordID(String(first.prefix(8)))
        }
        let unique = String(second.prefix(30))
        #expect(try store.resolveRecordID(unique) == second)
        #expect(try store.resolveRecordID("LA-1001") == "LA-1001")
        #expect(throws: StoreError.noSuchRecord("ffffffffff")) { try store.resolveRecordID("ffffffffff") }
    }

    @Test func notesDefaultToGeneralAndNowAndKeepTheirText() throws {
        let id = try store.addNote(caseID: "LA-1001", body: "Mum's partner was there.\nSecond line.")
        let state = try store.snapshot(id).state
        #expect(state.value("category") == "general")
        #expect(state.value("occurred_at") == "2026-11-20T12:00:00Z")
        #expect(state.value("body") == "Mum's partner was there.\nSecond line.")
        #expect(state.status == .draft)
    }

    @Test func anEditWithTheSameValuesWritesNothing() throws {
        let id = try visit([("seen", "yes")])
        let before = try store.changeCount()
        #expect(try store.edit(id, values: [("seen", "y")]) == .unchanged)
        #expect(try store.changeCount() == before)
        #expect(try store.edit(id, values: [("seen", "no"), ("location", "")]) == .changed(fields: ["seen"]))
        #expect(throws: StoreError.self) { _ = try store.edit(id, values: [("date", "")]) }
    }

    @Test func theStoreKeepsItsDeviceIDAcrossOpens() throws {
        let again = try CaseStore.temporary(in: folder, author: "priya.shah")
        #expect(again.deviceID == store.deviceID)
        #expect(throws: StoreError.invalidAuthor("bad name")) { try CaseStore.temporary(in: folder, author: "bad name") }
    }
}
