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
}
