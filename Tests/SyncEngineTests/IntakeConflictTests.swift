import Central
import CentralSQLite
import ClientSync
import Foundation
import Store
import SyncProtocol
import Testing

/// An intake that loses to a concurrent transaction (as PostgreSQL reports a serialization failure or a
/// deadlock when two instances admit at once) is rolled back and run again: the push is stored once, or,
/// when the conflict persists, refused as busy with nothing stored, and the next sync stores it.
@Suite struct IntakeConflictTests {
    @Test func aConflictingIntakeIsRunAgainAndStoresEachChangeOnce() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let sqlite = try SQLiteCentralStorage(folder: folder.path, actor: "admin")
        let storage = ConflictingStorage(sqlite, conflicts: 0)
        let admin = CentralAdministration(storage: storage, actor: "admin")
        _ = try await admin.addUser("sam", role: .worker, team: "north")
        storage.conflict(times: 2)
        try await admin.addCase(id: "LA-1", values: [("child", "A Child"), ("dob", "2015-01-01"), ("category", "CP")], worker: "sam")
        #expect(try await storage.allocations(of: "LA-1").count == 1, "the allocation of a retried intake is stored once")

        let peer = CentralPeer(storage: storage)
        let store = try CaseStore(path: folder.appendingPathComponent("sam.sqlite").path, author: "sam")
        let client = SyncClient(store: store, transport: InProcessTransport(peer: peer))
        _ = try await client.enrol(serverURL: "in-process", code: try await admin.newCode(for: "sam"), deviceName: "sam's laptop")
        _ = try await client.sync()
        for n in 1...3 { _ = try store.addNote(caseID: "LA-1", body: "note \(n)") }

        storage.conflict(times: CentralPeer.intakeAttempts - 1)
        _ = try await client.sync()
        #expect(try store.pendingChanges(limit: 10).isEmpty, "accepted after the retries")
        let logged = try await storage.changes(after: 0, in: ["LA-1"], limit: 100, leavingOut: nil).changes
        #expect(logged.filter { $0.change.id.deviceID == store.deviceID }.count == 3, "each note once")

        _ = try store.addNote(caseID: "LA-1", body: "note 4")
        storage.conflict(times: CentralPeer.intakeAttempts)
        await #expect(throws: SyncError.refused(.busy)) { try await client.sync() }
        #expect(try await storage.changes(after: 0, in: ["LA-1"], limit: 100, leavingOut: nil).changes.count == logged.count, "nothing of the refused push")
        _ = try await client.sync()
        #expect(try store.pendingChanges(limit: 10).isEmpty)
        #expect(try sqlite.replica.verify().problems.isEmpty, "the central replica replays to what it keeps")
    }
}
