import Foundation
import Store
import Testing

/// The search index through sync with a real central peer: changes pulled from elsewhere are searchable at
/// once (and their old words gone), a case that leaves a device takes its words with it, and the central
/// replica, which nobody searches, keeps no index.
@Suite struct SearchSyncTests {
    @Test func pulledChangesAreSearchableAndAPurgedCaseIsNot() async throws {
        let (central, folder) = try await TestCentral.withTeam(cases: ["LA-1": "sam", "LA-2": "sam"])
        defer { Task { await central.stop() } }
        let sam = try await central.device("sam", in: folder)
        let priya = try await central.device("priya", in: folder)
        try await sam.sync()

        let note = try sam.store.addNote(caseID: "LA-1", body: "zebra crossing outside the school")
        let other = try sam.store.addNote(caseID: "LA-2", body: "the school trip to the zoo")
        try await sam.sync()
        try await priya.sync()
        #expect(try priya.store.search("zebra").hits.map(\.recordID) == [note], "a pulled record is found")
        #expect(throws: SearchError.notKept) { try central.replica.search("zebra") }
        #expect(try central.replica.verify().isIntact, "the replica keeps no index, and verify asks for none")

        // An edit made on sam's laptop reaches priya's: the old words go with the old text.
        _ = try sam.store.edit(note, values: [("body", "giraffe enclosure on the school trip")])
        try await sam.sync()
        try await priya.sync()
        #expect(try priya.store.search("zebra").total == 0)
        #expect(try priya.store.search("giraffe").hits.map(\.recordID) == [note])
        #expect(Set(try priya.store.search("school trip").hits.map(\.recordID)) == [note, other])
        #expect(try priya.store.verify().isIntact)

        // A visit, its finalisation and its amendment arrive in one pull (saved in one statement): the
        // correction's words find the visit.
        let visit = try sam.store.addVisit(caseID: "LA-2", values: [("date", "2026-11-19"), ("type", "planned"),
                                                                   ("wishes", "wants to see his sister")])
        try sam.store.finalise(visit)
        _ = try sam.store.amend(visit, reason: "misheard", values: [("wishes", "wants to see his stepsister")])
        try await sam.sync()
        try await priya.sync()
        #expect(try priya.store.search("stepsister").hits.map(\.recordID) == [visit])
        #expect(try priya.store.search("stepsister").hits.first?.field == "amended")
        #expect(try priya.store.verify().isIntact)

        // LA-1 moves to a worker of another team: it leaves sam's laptop, and so do its words.
        try await central.admin.assign(caseID: "LA-1", to: "kim", reason: "moved area")
        let summary = try await sam.sync()
        #expect(summary.purgedCases == ["LA-1"])
        #expect(try sam.store.search("giraffe").total == 0)
        #expect(try sam.store.search("school trip").hits.map(\.recordID) == [other])
        #expect(try sam.store.verify().isIntact)
    }
}
