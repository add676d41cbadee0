import Foundation
import GRDB
import Seeded
import Testing

/// Several `fieldbook serve` processes on one storage, as a council runs them behind a load balancer:
/// devices sync through either instance, one instance is killed with SIGKILL in the middle of pushes and
/// restarted, and at the end nothing is lost, duplicated or skipped, every replica holds the same changes,
/// and `verify` is clean on every store.
@Suite(.serialized) struct SeveralInstancesTests {
    let binary: FieldbookBinary
    let scratch: Scratch

    init() throws {
        binary = try FieldbookBinary()
        scratch = try Scratch()
    }

    enum Engine: String, CaseIterable { case sqlite, postgres }

    @Test(arguments: Engine.allCases)
    func twoInstancesOnOneStorageOneKilledMidPush(_ engine: Engine) throws {
        var rng = SplitMix64(seed: 41)
        let storage: [String]
        var database: ThrowawayDatabase?
        switch engine {
        case .sqlite: storage = ["--data", scratch.path("central")]
        case .postgres:
            database = try ThrowawayDatabase.make()
            storage = ["--database", database?.url ?? ""]
        }
        defer { database?.drop() }
        func admin(_ arguments: [String]) throws -> String {
            let result = try binary.run(["admin"] + storage + arguments)
            #expect(result.status == 0, "\(arguments): \(result.errors)")
            return String(result.output.split(whereSeparator: \.isWhitespace).last ?? "")
        }
        let codes = ["sam": try admin(["user", "add", "sam", "--role", "worker", "--team", "north"]),
                     "lee": try admin(["user", "add", "lee", "--role", "worker", "--team", "north"]),
                     "priya": try admin(["user", "add", "priya", "--role", "supervisor", "--team", "north"])]
        for (id, worker) in [("LA-1", "sam"), ("LA-2", "sam"), ("LA-3", "lee")] {
            _ = try admin(["case", "add", id, "--child", "Child \(id)", "--dob", "2015-03-09", "--category", "CP", "--worker", worker])
        }
        var instances = [try RunningServer(binary: binary, storage: storage), try RunningServer(binary: binary, storage: storage)]
        defer { instances.forEach { $0.stop() } }
        let stores = ["sam", "lee", "priya"].map { (user: $0, path: scratch.path("\($0).sqlite")) }
        for (index, store) in stores.enumerated() {
            let url = instances[index % 2].url
            let enrolled = try binary.run(["--store", store.path, "-c", "enrol \(url) \(codes[store.user] ?? "")", "-c", "sync"])
            #expect(enrolled.status == 0, "\(enrolled.errors)")
        }

        var written: [String] = []
        var kills = 0, cut = 0
        let rounds = 6
        for round in 0..<rounds {
            for store in stores where store.user != "priya" {
                let caseID = store.user == "sam" ? "LA-\(1 + rng.next(below: 2))" : "LA-3"
                let bodies = (0..<(4 + rng.next(below: 8))).map { "round \(round) \(store.user) note \($0)" }
                let result = try binary.run(["--store", store.path], input: bodies.map { "note \(caseID) \($0)" }.joined(separator: "\n"))
                #expect(result.status == 0, "\(result.errors)")
                written += bodies
            }
            // Each device syncs through an instance chosen at random, as a load balancer would send it.
            for store in stores {
                try Self.point(store.path, at: instances[rng.next(below: 2)].url)
            }
            // Instance 0 is killed part way through the pushes of this round, then restarted on its port.
            let victim = instances[0]
            victim.kill(after: rng.nextDouble() * 0.05)
            for store in stores {
                let result = try binary.run(["--store", store.path, "-c", "sync"], environment: ["FIELDBOOK_SYNC_BATCH": "2"])
                if result.status != 0 {
                    cut += 1
                    #expect(result.errors.contains("cannot reach the central peer"), "a clean failure: \(result.errors)")
                }
            }
            victim.process.waitUntilExit()
            if victim.process.terminationReason == .uncaughtSignal { kills += 1 }
            instances[0] = try RunningServer(binary: binary, storage: storage, port: victim.port)
        }

        // Settle through both instances, twice round.
        for _ in 0..<2 {
            for (index, store) in stores.enumerated() {
                try Self.point(store.path, at: instances[index % 2].url)
                let result = try binary.run(["--store", store.path, "-c", "sync"])
                #expect(result.status == 0, "\(store.user): \(result.errors)")
            }
        }
        #expect(kills == rounds, "the instance must actually be killed (\(kills) of \(rounds))")
        #expect(cut > 0, "some syncs must be cut by a kill")
        let supervisor = try Self.notes(stores[2].path)
        #expect(Set(written).subtracting(supervisor).isEmpty, "nothing lost")
        #expect(supervisor.count == Set(supervisor).count, "nothing duplicated")
        #expect(Set(supervisor) == Set(written))
        let reference = try Self.changeDigest(stores[2].path)
        for store in stores {
            #expect(try Self.changeDigest(store.path).filter { reference.contains($0) || store.user == "priya" } == (try Self.changeDigest(store.path)),
                    "\(store.user) holds nothing the supervisor lacks")
            let verify = try binary.run(["--store", store.path, "-c", "verify"])
            #expect(verify.status == 0, "\(store.user): \(verify.output)")
        }
        let quarantine = try binary.run(["admin"] + storage + ["quarantine", "list"])
        #expect(quarantine.status == 0 && quarantine.output.isEmpty, "nothing quarantined: \(quarantine.output)")
        print("several instances (\(engine.rawValue)): rounds \(rounds), instance kills \(kills), syncs cut \(cut), notes \(written.count), lost 0, duplicated 0 (checked above)")
    }

    /// Sends a store's next syncs to `url` (as a load balancer would send them to one instance or the other).
    static func point(_ store: String, at url: String) throws {
        try DatabaseQueue(path: store).write { db in
            try db.execute(sql: "UPDATE store_meta SET value = ? WHERE key = 'sync.server_url'", arguments: [url])
        }
    }

    static func notes(_ store: String) throws -> [String] {
        try DatabaseQueue(path: store).read { db in
            try String.fetchAll(db, sql: "SELECT json_extract(fields, '$.body') FROM record WHERE type = 'note'")
        }
    }

    /// Every change's id and hash: equal digests mean the same changes.
    static func changeDigest(_ store: String) throws -> [String] {
        try DatabaseQueue(path: store).read { db in
            try String.fetchAll(db, sql: "SELECT device_id || ':' || seq || ':' || hash FROM change_log ORDER BY device_id, seq")
        }
    }
}
