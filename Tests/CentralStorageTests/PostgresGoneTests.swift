import Central
@testable import CentralPostgres
import Foundation
import Seeded
import Testing

/// The database server goes away under a running peer: each operation fails within the storage's
/// connection wait with `unavailable` (the peer then answers that nothing was stored), rather than after
/// the minute postgres-nio's pool would keep it waiting; once the server is back, the same storage serves
/// again.
@Suite struct PostgresGoneTests {
    @Test func anOperationFailsWithinTheWaitWhileTheServerIsGoneAndServesOnceItIsBack() async throws {
        // A cluster of its own, since this test stops it: the shared one serves the tests beside it.
        _ = try await TestPostgres.serverURL()
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("fieldbook-gone-\(UUID().uuidString).state").path
        let environment = ["FIELDBOOK_POSTGRES_STATE": state]
        let cluster = { (arguments: [String]) throws -> String in
            let run = try runTool("/bin/bash", [TestPostgres.script.path] + arguments, environment: environment)
            guard run.status == 0 else { throw TestPostgres.Unavailable(description: "postgres.sh \(arguments): \(run.errors)") }
            return run.output
        }
        // The shared server may be one the tests were given (FIELDBOOK_TEST_POSTGRES) on a machine without
        // PostgreSQL's binaries: then there is no cluster to stop, and the test says so rather than fail.
        let server: String
        do {
            server = try cluster(["start", "--watch", String(getpid())])
        } catch {
            try Test.cancel("no cluster of its own could be started: \(error)")
        }
        defer { _ = try? cluster(["stop"]) }
        guard var url = URLComponents(string: server) else { throw TestPostgres.Unavailable(description: "bad URL \(server)") }
        url.path = "/postgres"
        let storage = try await PostgresCentralStorage(url: url.string ?? server, connectionWait: .seconds(2))
        defer { storage.close() }
        #expect(try await storage.users().isEmpty)

        _ = try cluster(["halt"])
        for _ in 0..<3 {
            let started = ContinuousClock.now
            await #expect(throws: CentralStorageError.self) { _ = try await storage.users() }
            #expect(ContinuousClock.now - started < .seconds(8))
        }

        _ = try cluster(["resume"])
        var served = false
        for _ in 0..<50 where !served {
            served = (try? await storage.users()) != nil
            if !served { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(served)
    }
}
