import Central
import CentralHTTPServer
@testable import CentralPostgres
import CentralSQLite
import ClientSync
import Foundation
import Logging
import Store
import SyncHTTPClient
import SyncProtocol
import Testing

/// `fieldbook admin migrate` from a data folder into PostgreSQL: a council's peer with users, devices, a
/// quarantined change, an allocation history and council rules is copied, checked, and served from
/// PostgreSQL to the same laptops, which sync on with the tokens and cursors they hold.
@Suite struct PostgresMigrationTests {
    @Test func aCouncilMovedFromAFolderToPostgreSQLSyncsOn() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fieldbook-migrate-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let sqlite = try SQLiteCentralStorage(folder: folder.appendingPathComponent("central").path, actor: "admin")
        let admin = CentralAdministration(storage: sqlite)
        _ = try await admin.addUser("sam", role: .worker, team: "north")
        _ = try await admin.addUser("priya", role: .supervisor, team: "north")
        for id in ["LA-1", "LA-2"] {
            try await admin.addCase(id: id, values: [("child", "Child \(id)"), ("dob", "2015-01-01"), ("category", "CP")], worker: "sam")
        }
        try await admin.setRule("cp.working-days", to: 8)

        var logger = Logger(label: "test.central")
        logger.logLevel = .critical
        func serve(_ storage: any CentralStorage) async throws -> (url: String, server: Task<Void, any Error>) {
            let (ports, continuation) = AsyncStream<Int>.makeStream()
            let app = try CentralHTTPServer.application(peer: CentralPeer(storage: storage, logger: logger), host: "127.0.0.1", port: 0,
                                                        logger: logger) { continuation.yield($0) }
            let server = Task { try await app.runService() }
            var iterator = ports.makeAsyncIterator()
            return ("http://127.0.0.1:\(try #require(await iterator.next()))", server)
        }
        let before = try await serve(sqlite)
        func device(_ user: String) async throws -> CaseStore {
            let store = try CaseStore(path: folder.appendingPathComponent("\(user).sqlite").path, author: user)
            let client = SyncClient(store: store, transport: HTTPSyncTransport(baseURL: before.url))
            _ = try await client.enrol(serverURL: before.url, code: try await admin.newCode(for: user), deviceName: "\(user)'s laptop")
            _ = try await client.sync()
            return store
        }
        let sam = try await device("sam")
        let priya = try await device("priya")
        _ = try sam.addNote(caseID: "LA-1", body: "before the move")
        _ = try await SyncClient(store: sam, transport: HTTPSyncTransport(baseURL: before.url)).sync()
        try await admin.assign(caseID: "LA-2", to: "priya", reason: "cover")
        before.server.cancel()
        _ = await before.server.result

        try await TestDatabase.with { database in
            let postgres = try await database.open()
            defer { postgres.close() }
            let report = try await CentralMigration(from: sqlite, to: postgres).run()
            #expect(report.problems == [])
            #expect(report.rows[.rules] == 1 && report.rows[.allocations] == 3 && report.rows[.devices] == 2)
            #expect(report.changes == (try await sqlite.exportLog(after: 0, limit: 10_000).count))
            #expect(try await postgres.peerDeviceID() == (try await sqlite.peerDeviceID()))
            #expect(try await postgres.rules().version == 1)

            let after = try await serve(postgres)
            defer { after.server.cancel() }
            _ = try sam.addNote(caseID: "LA-1", body: "after the move")
            _ = try await SyncClient(store: sam, transport: HTTPSyncTransport(baseURL: after.url)).sync()
            _ = try await SyncClient(store: priya, transport: HTTPSyncTransport(baseURL: after.url)).sync()
            let notes = try priya.caseIDs().contains("LA-1")
            #expect(notes, "the supervisor sees her team's cases from the new storage")
            #expect(try await postgres.changes(after: 0, in: ["LA-1"], limit: 100).changes
                .filter { $0.change.recordType == .note }.count == 2, "each note once")
            // The administration goes on on PostgreSQL: the peer's own chain continues there.
            try await CentralAdministration(storage: postgres, actor: "admin").assign(caseID: "LA-1", to: "priya", reason: "leave")
            #expect(try await CentralMigration(from: postgres, to: postgres).verify().problems == [], "the copy's chains are whole")
        }
    }
}
