import Foundation
import GRDB
import Testing
@testable import Store

/// Migration "v9 full-text search" on stores written before it: the index is made from the records already
/// there, in the migration's transaction, and follows them from then on.
@Suite struct SearchMigrationTests {
    /// The first release's store (MigrationTests): v1 to v9 in one open, its words searchable at once,
    /// an amendment's correction found through the visit it corrects.
    @Test func aVersion1StoreIsSearchableOnceOpened() throws {
        let folder = try TemporaryFolder()
        let fixture = try #require(Bundle.module.url(forResource: "store-v1", withExtension: "sqlite", subdirectory: "Fixtures"))
        let copy = folder.path("store.sqlite")
        try FileManager.default.copyItem(atPath: fixture.path, toPath: copy)

        let store = try CaseStore(path: copy, author: "sam.okafor")
        #expect(try store.appliedMigrations().contains("v9 full-text search"))
        #expect(try store.search("sibling contact").hits.map(\.caseID) == ["LA-1001", "LA-1001"])
        let amended = try #require(try store.search("Lowe-Harris").hits.first)
        #expect(amended.recordID == "01a209df-c18f-7bf9-9e7c-3d4960a4e6c7")
        #expect(amended.field == "amended")
        #expect(try store.search("neighbour").hits.map(\.recordID) == ["01a209df-c197-73ca-a6f9-4f7f8494d572"],
                "the deleted visit that also says so is left out")
        #expect(try store.search("neighbour", includeDeleted: true).total == 2)
        #expect(try store.verify().isIntact)
    }

    /// A store as v8 left it (records, an amendment, a deletion, and no index): v9 fills the index from
    /// them, and later writes keep it in step.
    @Test func aVersion8StoreIsIndexedWhenItOpens() throws {
        let folder = try TemporaryFolder()
        let clock = TestClock()
        let store = try CaseStore.temporary(in: folder, clock: clock)
        try store.seedCase()
        let visit = try store.addVisit(caseID: "LA-1001", values: [("date", "2026-11-19"), ("type", "planned"), ("seen", "yes"),
                                                                  ("alone", "yes"), ("wishes", "wants to see his sister")])
        try store.finalise(visit)
        _ = try store.amend(visit, reason: "misheard", values: [("wishes", "wants to see his stepsister")])
        let note = try store.addNote(caseID: "LA-1001", body: "school called about attendance")
        // Back to v8: what that release's file held (no index, no triggers, v9 not applied).
        try store.database.write { db in
            for trigger in SearchIndex.triggers { try db.execute(sql: "DROP TRIGGER \(trigger)") }
            try db.execute(sql: "DROP VIEW search_source")
            try db.execute(sql: "DROP TABLE search_index")
            try db.execute(sql: "DROP TABLE search_text")
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v9 full-text search'")
        }
        #expect(try store.database.read { db in try db.tableExists("search_text") } == false)

        let reopened = try CaseStore.temporary(in: folder, clock: clock)
        #expect(try reopened.search("sister").hits.map(\.recordID) == [visit])
        #expect(try reopened.search("stepsister").hits.map(\.recordID) == [visit])
        #expect(try reopened.search("attendance").hits.map(\.recordID) == [note])
        #expect(try reopened.verify().isIntact)
        _ = try reopened.edit(note, values: [("body", "school called about a trip")])
        #expect(try reopened.search("attendance").total == 0)
        #expect(try reopened.search("trip").hits.map(\.recordID) == [note])
    }
}
