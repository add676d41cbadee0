import Central
@testable import CentralPostgres
import ClientSync
import Foundation
import Store
import SyncProtocol
import Testing

/// A full disk as PostgreSQL reports it (SQLSTATE 53100, `disk_full`) reaches the peer as the storage
/// protocol's own `.full`: the push is refused with `storage_full`, nothing of it is stored, the device keeps
/// its note, and the next sync after space is freed delivers it. The test cannot fill the server's disk, so a
/// trigger on the log raises exactly the error PostgreSQL raises when it cannot extend a table's file.
@Suite struct PostgresFullDiskTests {
    @Test func aFullDiskRefusesThePushStoresNothingAndTheNextSyncDelivers() async throws {
        try await TestDatabase.with { database in try await database.withPeer { storage, peer, folder in
            let admin = CentralAdministration(storage: storage, actor: "admin")
            _ = try await admin.addUser("sam", role: .worker, team: "north")
            try await admin.addCase(id: "LA-1", values: [("child", "Ada"), ("dob", "2015-01-01"), ("category", "CP")], worker: "sam")
            let store = try CaseStore(path: folder.appendingPathComponent("sam.sqlite").path, author: "sam")
            let client = SyncClient(store: store, transport: InProcessTransport(peer: peer))
            _ = try await client.enrol(serverURL: "in-process", code: try await admin.newCode(for: "sam"), deviceName: "laptop")
            _ = try await client.sync()
            let top = try await storage.topCursor()

            let note = try store.addNote(caseID: "LA-1", body: "Seen at home, alone, in her bedroom")
            try await database.execute("""
                CREATE FUNCTION disk_is_full() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full'; END $$
                """)
            try await database.execute("""
                CREATE TRIGGER disk_is_full BEFORE INSERT ON central_log FOR EACH ROW EXECUTE FUNCTION disk_is_full()
                """)
            await #expect(throws: SyncError.refused(.storageFull)) { try await client.sync() }
            #expect(try await storage.topCursor() == top)
            #expect(try await storage.record(note) == nil)
            #expect(try await storage.quarantine(state: nil).isEmpty)
            #expect(try store.snapshot(note).state.value("body") == "Seen at home, alone, in her bedroom")

            try await database.execute("DROP TRIGGER disk_is_full ON central_log")
            let summary = try await client.sync()
            #expect(summary.pushed == 1)
            #expect(try await storage.record(note)?.value("body") == "Seen at home, alone, in her bedroom")
            #expect(try await storage.topCursor() > top)
        } }
    }
}
