import Foundation
import GRDB
import Testing

/// `fieldbook serve` and `fieldbook sync` killed with SIGKILL at every fault point, then run again:
/// nothing lost, nothing duplicated, every replica converged.
@Suite(.serialized) struct SyncKillTests {
    let binary: FieldbookBinary
    let scratch: Scratch

    init() throws {
        binary = try FieldbookBinary()
        scratch = try Scratch()
    }

    private func admin(_ data: String, _ arguments: [String]) throws -> String {
        let result = try binary.run(["admin", "--data", data] + arguments)
        #expect(result.status == 0, "admin \(arguments): \(result.errors)")
        return result.output
    }

    private func code(_ output: String) -> String {
        String(output.split(whereSeparator: \.isWhitespace).last ?? "")
    }

    private func count(_ path: String, _ query: String) throws -> Int {
        var configuration = Configuration()
        configuration.readonly = true
        return try DatabaseQueue(path: path, configuration: configuration).read { db in try Int.fetchOne(db, sql: query) ?? -1 }
    }

    @Test func changesRightAfterEnrolmentAreTheEnrolledUsersAndServeStopsOnSIGTERM() throws {
        let data = scratch.path("central-enrol")
        let samCode = code(try admin(data, ["user", "add", "sam", "--role", "worker", "--team", "north"]))
        _ = try admin(data, ["case", "add", "LA-9", "--child", "Ann Lee", "--dob", "2014-01-01", "--category", "CIN", "--worker", "sam"])
        let server = try RunningServer(binary: binary, data: data)
        let store = scratch.path("enrol.sqlite")
        let result = try binary.run(["--store", store, "--user", "someone.else", "-c", "enrol \(server.url) \(samCode)",
                                     "-c", "sync", "-c", "note LA-9 first note", "-c", "sync", "-c", "status"])
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.output.contains("pushed 1, pulled 0, conflicts 0, rejected 0"))
        #expect(try count(store, "SELECT count(*) FROM notes WHERE author = 'sam'") == 1)
        server.process.terminate()
        server.process.waitUntilExit()
        #expect(server.process.terminationReason == .exit, "serve stops by itself on SIGTERM")
        #expect(server.process.terminationStatus == 0)
    }

    @Test func killedSyncsAndAKilledServerLoseAndDuplicateNothing() throws {
        let data = scratch.path("central")
        let samStore = scratch.path("sam.sqlite")
        let priyaStore = scratch.path("priya.sqlite")
        let samCode = code(try admin(data, ["user", "add", "sam", "--role", "worker", "--team", "north"]))
        let priyaCode = code(try admin(data, ["user", "add", "priya", "--role", "supervisor", "--team", "north"]))
        _ = try admin(data, ["case", "add", "LA-1", "--child", "Jay Brooks", "--dob", "2015-03-09", "--category", "CP", "--worker", "sam"])
        var server = try RunningServer(binary: binary, data: data)
        defer { server.stop() }
        #expect(try binary.run(["--store", samStore, "-c", "enrol \(server.url) \(samCode)", "-c", "sync"]).status == 0)
        #expect(try binary.run(["--store", priyaStore, "-c", "enrol \(server.url) \(priyaCode)", "-c", "sync"]).status == 0)

        var notes = 0
        func writeNotes(_ n: Int) throws {
            let script = (0..<n).map { _ -> String in notes += 1; return "note LA-1 note number \(notes)" }.joined(separator: "\n")
            #expect(try binary.run(["--store", samStore], input: script).status == 0)
        }
        let environment = ["FIELDBOOK_SYNC_BATCH": "3"]
        let points = ["client-before-push", "client-after-push-response@1", "client-after-push-response@2",
                      "client-between-push-batches@1", "client-between-push-batches@2", "client-after-pull-response@1",
                      "client-after-pull-response@2", "client-between-pull-batches@1", "client-between-pull-batches@3"]
        for point in points {
            try writeNotes(7)
            // Priya writes too, so pulls have something to carry.
            #expect(try binary.run(["--store", priyaStore, "-c", "note LA-1 supervisor's note before \(point)"]).status == 0)
            #expect(try binary.run(["--store", priyaStore, "-c", "sync"]).status == 0)
            let killed = try binary.run(["--store", samStore, "-c", "sync"], environment: environment.merging(["FIELDBOOK_FAULT": point]) { $1 })
            #expect(killed.status == 9, "\(point): the sync should have been killed")
            let resumed = try binary.run(["--store", samStore, "-c", "sync"], environment: environment)
            #expect(resumed.status == 0, "\(point): \(resumed.errors)")
        }

        // The central peer killed after committing a push, before answering; restarted on the same port.
        try writeNotes(5)
        let port = server.port
        server.stop()
        server = try RunningServer(binary: binary, data: data, port: port, fault: "server-after-push-commit")
        let cut = try binary.run(["--store", samStore, "-c", "sync"])
        #expect(cut.status != 0)
        #expect(cut.errors.contains("cannot reach the central peer"))
        server.process.waitUntilExit()
        server = try RunningServer(binary: binary, data: data, port: port)
        #expect(try binary.run(["--store", samStore, "-c", "sync"]).status == 0)
        #expect(try binary.run(["--store", priyaStore, "-c", "sync"]).status == 0)
        #expect(try binary.run(["--store", samStore, "-c", "sync"]).status == 0)

        let central = data + "/central.sqlite"
        let total = notes + points.count + 1  // sam's notes, priya's notes, the case
        #expect(try count(central, "SELECT count(*) FROM change_log") == total, "no change lost or duplicated on the peer")
        #expect(try count(central, "SELECT count(*) FROM central_log") == total)
        #expect(try count(central, "SELECT count(*) FROM central_quarantine") == 0)
        for store in [samStore, priyaStore] {
            #expect(try count(store, "SELECT count(*) FROM changes") == total, "\(store) converged")
            #expect(try count(store, "SELECT count(*) FROM notes") == notes + points.count)
            #expect(try binary.run(["--store", store, "-c", "verify"]).status == 0)
        }
        #expect(try count(samStore, "SELECT count(*) FROM change_log c WHERE c.device_id = (SELECT value FROM store_meta WHERE key = 'device_id') AND NOT EXISTS (SELECT 1 FROM change_receipt r WHERE r.device_id = c.device_id AND r.seq = c.seq)") == 0)
    }
}
