import Foundation
import Testing
@testable import Store

/// What is left to finish (`drafts`), which record `last` names, and the records tab completion offers.
@Suite struct DraftsTests {
    let folder: TemporaryFolder
    let clock = TestClock("2026-11-20T09:00:00Z")
    let store: CaseStore

    init() throws {
        folder = try TemporaryFolder()
        store = try CaseStore.temporary(in: folder, clock: clock)
        try store.seedCase()
        try store.seedCase("LA-1002")
    }

    private func visit(_ caseID: String = "LA-1001", date: String = "2026-11-19") throws -> String {
        try store.addVisit(caseID: caseID, values: [("date", date), ("type", "planned")])
    }

    /// Drafts made within one millisecond (a script, a fast laptop) keep the order they were made in:
    /// their recorded times tie, and a record id's low bits are random (seen failing in CI).
    @Test func draftsMadeInOneMillisecondKeepTheirOrder() throws {
        var made: [String] = []
        for index in 0..<12 {
            made.append(index % 2 == 0 ? try visit() : try store.addNote(caseID: "LA-1001", body: "note \(index)"))
        }
        #expect(try store.drafts().map(\.recordID) == made)
        #expect(try store.lastRecord(createdAfter: nil)?.recordID == made.last)
    }

    @Test func draftsAreMineUnfinishedAndOldestFirst() throws {
        let older = try visit("LA-1002", date: "2026-11-18")
        clock.advance(seconds: 86_400 * 2)
        let note = try store.addNote(caseID: "LA-1001", body: "Phoned the school\nabout the trip")
        clock.advance(seconds: 3_600)
        let finished = try visit()
        try store.finalise(finished)
        let withdrawn = try store.addNote(caseID: "LA-1001", body: "typed twice")
        try store.delete(withdrawn, reason: "typed twice")
        // A colleague's draft on the same store (a supervisor's laptop holds the team's records).
        let colleague = try CaseStore.temporary(in: folder, author: "lee", clock: clock)
        _ = try colleague.addNote(caseID: "LA-1001", body: "lee's note")
        clock.advance(seconds: 86_400)

        let drafts = try store.drafts()
        #expect(drafts.map(\.recordID) == [older, note])
        #expect(drafts.map(\.ageInDays) == [3, 1])
        #expect(drafts[0].type == .visit)
        #expect(drafts[0].caseID == "LA-1002")
        #expect(drafts[0].childName == "Jay Brooks")
        #expect(drafts[0].occurredAt == "2026-11-18")
        #expect(drafts[0].summary == "planned")
        #expect(drafts[1].summary == "general: Phoned the school")
        #expect(try colleague.drafts().count == 1)
    }

    @Test func lastIsThisSessionsNewestRecordElseTheStoresNewestOfMine() throws {
        #expect(try store.lastRecord(createdAfter: store.changeHead()) == nil)
        let before = try visit()
        clock.advance(seconds: 60)
        let mine = try store.addNote(caseID: "LA-1002", body: "earlier session")
        // A new session: nothing created in it yet, so last is the newest the user created in the store.
        let session = try store.changeHead()
        let fromStore = try #require(try store.lastRecord(createdAfter: session))
        #expect(fromStore == LastRecord(recordID: mine, type: .note, caseID: "LA-1002", recordedAt: "2026-11-20T09:01:00.000Z", thisSession: false))
        // Editing and finalising create nothing: last stays the newest record created.
        try store.finalise(before)
        #expect(try store.lastRecord(createdAfter: session)?.recordID == mine)

        // A record synced in from the same user's other laptop, with a later time, does not displace what
        // this session created.
        clock.advance(seconds: 60)
        let created = try visit("LA-1002")
        let elsewhere = Change(id: ChangeID(deviceID: "other-laptop", seq: 1), hlc: HLC(milliseconds: Timestamp.milliseconds(clock.date) + 60_000, counter: 0),
                               recordedAt: "2026-11-20T09:05:00.000Z", author: "sam.okafor", recordID: UUIDv7.make(at: clock.date.addingTimeInterval(60)),
                               recordType: .note, caseID: "LA-1001", kind: .create,
                               writes: [FieldWrite(field: "body", value: "from the other laptop", supersedes: []),
                                        FieldWrite(field: "status", value: "draft", supersedes: [])],
                               sealed: [], previousHash: Change.genesisHash)
        _ = try store.database.write { db in try ChangeApplier.apply([elsewhere], db) }
        let last = try #require(try store.lastRecord(createdAfter: session))
        #expect(last.recordID == created && last.thisSession)
        #expect(try store.lastRecord(createdAfter: nil)?.recordID == elsewhere.recordID, "without a session, the store's newest")

        // A creation the peer quarantined is no record: last passes over it.
        let change = try #require(try store.history(created).first)
        try store.recordReceipts([PushReceipt(id: change.id, status: .quarantined, reason: "not allocated")])
        #expect(try store.lastRecord(createdAfter: session)?.recordID == elsewhere.recordID)
    }

    @Test func casesAreNeverLast() throws {
        try store.seedCase("LA-1003")
        #expect(try store.lastRecord(createdAfter: 0) == nil)
    }

    @Test func completionsAreTheRecordsACommandCanActOn() throws {
        let draft = try visit()
        clock.advance(seconds: 1)
        let final = try visit("LA-1002")
        try store.finalise(final)
        let all = try store.recordCompletions(prefix: "", choice: .any)
        #expect(Set(all.records.map(\.recordID)) == [draft, final])
        #expect(all.total == 2)
        #expect(draft.hasPrefix(all.commonPrefix) && final.hasPrefix(all.commonPrefix))
        #expect(try store.recordCompletions(prefix: "", choice: .drafts).records.map(\.recordID) == [draft])
        #expect(try store.recordCompletions(prefix: "", choice: .final).records.map(\.recordID) == [final])
        #expect(try store.recordCompletions(prefix: "", choice: .inConflict).total == 0)

        let one = try store.recordCompletions(prefix: String(draft.prefix(6)).uppercased(), choice: .drafts)
        let summary = try #require(one.records.first)
        #expect(one.total == 1)
        #expect(one.commonPrefix == draft)
        #expect(summary.shortID == (try store.uniquePrefix(of: draft)))
        #expect(summary.type == .visit)
        #expect(summary.caseID == "LA-1001")
        #expect(summary.occurredDay == "2026-11-19")
        #expect(summary.status == "draft")
    }

    @Test func aWorkerIsOfferedOnlyTheDraftsTheyMayFinish() throws {
        let mine = try visit()
        let colleague = try CaseStore.temporary(in: folder, author: "lee", clock: clock)
        let theirs = try colleague.addNote(caseID: "LA-1001", body: "lee's note")
        #expect(Set(try store.recordCompletions(prefix: "", choice: .finishable).records.map(\.recordID)) == [mine, theirs],
                "before enrolment the policy lets anyone finish a draft")
        try store.saveEnrolment(serverURL: "https://peer.example", token: "t", user: "sam.okafor", role: "worker", team: "north")
        #expect(try store.recordCompletions(prefix: "", choice: .finishable).records.map(\.recordID) == [mine])
        #expect(Set(try store.recordCompletions(prefix: "", choice: .drafts).records.map(\.recordID)) == [mine, theirs], "anyone may edit a draft")
        try store.saveEnrolment(serverURL: "https://peer.example", token: "t", user: "sam.okafor", role: "supervisor", team: "north")
        #expect(try store.recordCompletions(prefix: "", choice: .finishable).total == 2)
    }

    @Test func completionListsTheNewestAndCountsTheRest() throws {
        for _ in 1...5 {
            _ = try visit()
            clock.advance(seconds: 1)
        }
        let newest = try visit()
        let found = try store.recordCompletions(prefix: "", choice: .any, limit: 3)
        #expect(found.records.count == 3)
        #expect(found.records.first?.recordID == newest)
        #expect(found.total == 6)
        #expect(try store.caseSummaries() == [CaseSummary(caseID: "LA-1001", childName: "Jay Brooks", category: "CLA"),
                                              CaseSummary(caseID: "LA-1002", childName: "Jay Brooks", category: "CLA")])
    }
}
