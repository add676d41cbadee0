import Foundation
import Testing
@testable import Store

/// Stores written by earlier versions open, upgrade in place, and keep every record and chain intact.
@Suite struct MigrationTests {
    /// `Fixtures/store-v1.sqlite` was made by `fieldbook demo` of the first release (schema "v1 local case
    /// store"). Never regenerate it: it stands for the files on workers' laptops.
    @Test func aVersion1StoreOpensUpgradesAndVerifies() throws {
        let folder = try TemporaryFolder()
        let fixture = try #require(Bundle.module.url(forResource: "store-v1", withExtension: "sqlite", subdirectory: "Fixtures"))
        let copy = folder.path("store.sqlite")
        try FileManager.default.copyItem(atPath: fixture.path, toPath: copy)

        let store = try CaseStore(path: copy, author: "sam.okafor")
        #expect(try store.appliedMigrations() == StoreMigrations.migrator.migrations.sorted())
        let report = try store.verify()
        #expect(report.isIntact, "\(report.problems)")
        #expect(report.changesChecked == 22)
        #expect(try store.caseIDs() == ["LA-1001", "LA-1002", "LA-1003", "LA-1004", "LA-1005", "LA-1006"])

        // The upgraded store takes new work on the same chain.
        let id = try store.addNote(caseID: "LA-1003", body: "written after the upgrade")
        #expect(try store.snapshot(id).state.value("body") == "written after the upgrade")
        #expect(try store.verify().isIntact)
    }

    @Test func reopeningAStoreAppliesNothingTwice() throws {
        let folder = try TemporaryFolder()
        let first = try CaseStore.temporary(in: folder)
        try first.seedCase()
        let second = try CaseStore.temporary(in: folder)
        #expect(try second.appliedMigrations() == first.appliedMigrations())
        #expect(try second.caseIDs() == ["LA-1001"])
    }

    /// A store whose rows were merged by the rules before "sealed means sealed" (a late edit shown as a final
    /// record's value) is merged again when it opens, so `verify` is clean and the sealed value shows.
    @Test func recordsMergedByTheOldRulesAreMergedAgainOnOpen() throws {
        let folder = try TemporaryFolder()
        let store = try CaseStore.temporary(in: folder)
        try store.seedCase()
        let visit = try store.addVisit(caseID: "LA-1001", values: [("date", "2026-11-19"), ("type", "planned"), ("seen", "yes")])
        try store.finalise(visit)
        // An edit from another laptop that never saw the finalisation, to a field the visit never had.
        let late = Change(id: ChangeID(deviceID: "other-laptop", seq: 1), hlc: HLC(milliseconds: Timestamp.milliseconds(Date()) + 1000, counter: 0),
                          recordedAt: "2026-11-20T12:00:00.000Z", author: "priya", recordID: visit, recordType: .visit,
                          caseID: "LA-1001", kind: .edit, writes: [FieldWrite(field: "observations", value: "late words", supersedes: [])],
                          sealed: [], previousHash: Change.genesisHash)
        _ = try store.database.write { db in try ChangeApplier.apply([late], db) }
        // As the old rules stored it: the late words as the final record's value, no conflict.
        try store.database.write { db in
            try db.execute(sql: """
                UPDATE record SET fields = json_set(fields, '$.observations', 'late words'), conflicts = NULL WHERE id = ?
                """, arguments: [visit])
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v7 records merged with sealed means sealed'")
        }
        #expect(try store.verify().isIntact == false, "the old row differs from a replay")

        let reopened = try CaseStore.temporary(in: folder)
        #expect(try reopened.verify().isIntact)
        #expect(try reopened.snapshot(visit).state.value("observations") == nil)
        #expect(try reopened.conflicts().map(\.field) == ["observations"])
    }
}
