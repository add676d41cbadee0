import Central
import CentralHTTPServer
@testable import CentralPostgres
import CentralSQLite
import ClientSync
import Foundation
import Hummingbird
import Logging
import Store
import SyncHTTPClient
import SyncProtocol
import Testing

/// The whole peer on PostgreSQL: the HTTP server and ``CentralPeer`` over a ``PostgresCentralStorage``, and
/// devices syncing through them as they would through the SQLite peer.
@Suite struct PostgresEndToEndTests {
    @Test func aNoteMadeOnOneDeviceReachesAnotherThroughThePeer() async throws {
        try await TestDatabase.with { database in try await database.withPeer { storage, peer, folder in
            var logger = Logger(label: "test.central")
            logger.logLevel = .critical
            let (ports, continuation) = AsyncStream<Int>.makeStream()
            let app = try CentralHTTPServer.application(peer: peer, host: "127.0.0.1", port: 0, logger: logger) { continuation.yield($0) }
            let server = Task { try await app.runService() }
            do {
                var iterator = ports.makeAsyncIterator()
                let port = try #require(await iterator.next())
                let url = "http://127.0.0.1:\(port)"

                // A worker and a case allocated to them: the case enters the log as the peer's own change.
                try await storage.addUser(CentralUser(name: "sam", role: .worker, team: "north"), now: peer.now)
                let caseID = "case-1"
                let admin = HandChain(deviceID: try await storage.peerDeviceID(), author: "admin", clock: HandClock())
                let created = admin.make(.create, .case, record: caseID, case: caseID, writes: [
                    write("child_name", "Ada"), write("dob", "2015-01-01"), write("category", "CP"), write("worker", "sam"),
                    write("plan_start", "2026-10-01"),
                ])
                let now = peer.now
                try await storage.intake { intake in
                    try await intake.accept([AcceptedChange(created, receivedAt: now)])
                    try await intake.allocate(caseID, to: "sam", at: now, reason: "case added", by: "admin")
                }

                func enrolledDevice(_ name: String) async throws -> (store: CaseStore, client: SyncClient) {
                    let store = try CaseStore(path: folder.appendingPathComponent("\(name).sqlite").path, author: "sam")
                    let client = SyncClient(store: store, transport: HTTPSyncTransport(baseURL: url))
                    _ = try await client.enrol(serverURL: url, code: try await peer.issueEnrolmentCode(for: "sam"), deviceName: name)
                    return (store, client)
                }
                let tablet = try await enrolledDevice("tablet")
                _ = try await tablet.client.sync()
                let note = try tablet.store.addNote(caseID: caseID, body: "Saw Ada at school")
                _ = try await tablet.client.sync()

                let phone = try await enrolledDevice("phone")
                _ = try await phone.client.sync()
                #expect(try phone.store.snapshot(note).state.value("body") == "Saw Ada at school")
                #expect(try await storage.record(note)?.value("body") == "Saw Ada at school")
                #expect(try await storage.quarantine(state: nil).isEmpty)
                #expect(try await storage.custody(of: caseID).count == 2)
            } catch {
                server.cancel()
                _ = await server.result
                throw error
            }
            server.cancel()
            _ = await server.result
        } }
    }
}
