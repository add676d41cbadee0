import Central
import CentralSQLite
import ClientSync
import Foundation
import GRDB
import Store
import SyncHTTPClient
import SyncProtocol
import Testing

/// `fieldbook admin migrate`: a council's central storage moved to another, checked, and used by the same
/// devices afterwards with the tokens and cursors they hold.
@Suite struct CentralMigrationTests {
    private func notes(_ store: CaseStore, _ caseID: String) throws -> [String] {
        try store.database.read { db in
            try String.fetchAll(db, sql: "SELECT json_extract(fields, '$.body') FROM record WHERE type = 'note' AND case_id = ? ORDER BY 1",
                                arguments: [caseID])
        }
    }

    @Test func aMovedCouncilSyncsOnAsIfNothingHappened() async throws {
        let (central, folder) = try await TestCentral.withTeam(cases: ["LA-1": "sam", "LA-2": "lee"])
        let sam = try await central.device("sam", in: folder)
        let lee = try await central.device("lee", in: folder)
        let priya = try await central.device("priya", in: folder)
        for device in [sam, lee, priya] { try await device.sync() }
        _ = try sam.store.addNote(caseID: "LA-1", body: "before the move")
        try await sam.sync()
        try await lee.sync()
        try await priya.sync()
        try await central.admin.setRule("cp.working-days", to: 8)
        try await central.admin.assign(caseID: "LA-2", to: "sam", reason: "cover")
        // Written on lee's laptop after the case moved: quarantined at the push.
        _ = try lee.store.addNote(caseID: "LA-2", body: "after it moved")
        try await lee.sync()
        try await sam.sync()
        #expect(try await central.admin.storage.quarantine(state: .held).count == 1)

        await central.stop(keepingData: true)
        let copy = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: central.folder); try? FileManager.default.removeItem(at: copy) }
        let source = try SQLiteCentralStorage(folder: central.folder.path, actor: "migrate")
        let target = try SQLiteCentralStorage(folder: copy.path, actor: "migrate")
        let report = try await CentralMigration(from: source, to: target).run()
        #expect(report.problems == [])
        #expect(report.changes == (try await source.exportLog(after: 0, limit: 10_000).count))
        #expect(report.rows[.quarantine] == 1 && report.rows[.rules] == 1 && report.rows[.allocations] == 3)
        #expect(try await target.peerDeviceID() == (try await source.peerDeviceID()))
        await #expect(throws: CentralAdminError.self, "a migration never writes over data") {
            _ = try await CentralMigration(from: source, to: target).run()
        }

        // The peer on the copy: the same devices, tokens and cursors.
        let moved = try await TestCentral.start(folder: copy)
        defer { Task { await moved.stop() } }
        func onMoved(_ device: Device) -> Device {
            Device(store: device.store, client: SyncClient(store: device.store, transport: HTTPSyncTransport(baseURL: moved.url)))
        }
        _ = try sam.store.addNote(caseID: "LA-2", body: "after the move")
        try await onMoved(sam).sync()
        try await onMoved(priya).sync()
        #expect(try notes(priya.store, "LA-2") == ["after the move"], "nothing lost, nothing twice")
        #expect(try notes(priya.store, "LA-1") == ["before the move"])
        try await moved.admin.assign(caseID: "LA-1", to: "lee", reason: "back from leave")
        try await onMoved(lee).sync()
        #expect(try notes(lee.store, "LA-1") == ["before the move"], "the peer's own chain continues on the copy")
        #expect(try moved.replica.verify().isIntact)

        // A copy that differs is found.
        try await moved.replica.database.write { db in try db.execute(sql: "UPDATE central_device SET name = 'changed' WHERE user = 'lee'") }
        #expect(try await CentralMigration(from: source, to: moved.sqlite).verify().problems.contains { $0.hasPrefix("central_device") })
    }
}
