import Foundation
import GRDB
import Seeded
import Testing

/// Seeded fault campaigns with the real binaries: `fieldbook sync` and `fieldbook serve` killed with SIGKILL
/// at random points (a named fault point or a random moment), restarted each time. At the end nothing is
/// lost, nothing duplicated, and every replica holds the same changes as the central peer.
///
/// Short in CI; `FIELDBOOK_CAMPAIGN=long` runs the release check (200 client syncs, 100 peer kills) and
/// `FIELDBOOK_CAMPAIGN_SEED=N` another schedule. Each campaign prints one line of figures for
/// docs/RELIABILITY.md.
@Suite(.serialized) struct KillCampaignTests {
    static let long = ProcessInfo.processInfo.environment["FIELDBOOK_CAMPAIGN"] == "long"
    static let seed = UInt64(ProcessInfo.processInfo.environment["FIELDBOOK_CAMPAIGN_SEED"] ?? "") ?? 1
    static let clientPoints = ["client-before-push", "client-after-push-response", "client-between-push-batches",
                               "client-after-pull-response", "client-between-pull-batches"]

    let binary: FieldbookBinary
    let scratch: Scratch

    init() throws {
        binary = try FieldbookBinary()
        scratch = try Scratch()
    }

    /// A central peer with worker sam (cases LA-1, LA-2) and supervisor priya, both enrolled and synced.
    private func team() throws -> (data: String, server: RunningServer, sam: String, priya: String) {
        let data = scratch.path("central")
        let samCode = try code(binary.run(["admin", "--data", data, "user", "add", "sam", "--role", "worker", "--team", "north"]))
        let priyaCode = try code(binary.run(["admin", "--data", data, "user", "add", "priya", "--role", "supervisor", "--team", "north"]))
        for id in ["LA-1", "LA-2"] {
            let added = try binary.run(["admin", "--data", data, "case", "add", id, "--child", "Child \(id)", "--dob", "2015-03-09",
                                        "--category", "CP", "--worker", "sam"])
            #expect(added.status == 0, "\(added.errors)")
        }
        let server = try RunningServer(binary: binary, data: data)
        let sam = scratch.path("sam.sqlite"), priya = scratch.path("priya.sqlite")
        #expect(try binary.run(["--store", sam, "-c", "enrol \(server.url) \(samCode)", "-c", "sync"]).status == 0)
        #expect(try binary.run(["--store", priya, "-c", "enrol \(server.url) \(priyaCode)", "-c", "sync"]).status == 0)
        return (data, server, sam, priya)
    }

    private func code(_ result: FieldbookBinary.Result) -> String {
        String(result.output.split(whereSeparator: \.isWhitespace).last ?? "")
    }

    /// Writes `count` uniquely numbered notes on sam's device; returns their bodies.
    private func writeNotes(_ store: String, _ count: Int, from first: Int, rng: inout SplitMix64) throws -> [String] {
        let bodies = (first..<first + count).map { "campaign note \($0)" }
        let script = bodies.map { "note LA-\(1 + rng.next(below: 2)) \($0)" }.joined(separator: "\n")
        let result = try binary.run(["--store", store], input: script)
        #expect(result.status == 0, "\(result.errors)")
        return bodies
    }

    @Test func clientKilledAtRandomPointsOfItsSyncs() throws {
        let trials = Self.long ? 200 : 24
        var rng = SplitMix64(seed: Self.seed)
        let (data, server, sam, priya) = try team()
        defer { server.stop() }
        var written: [String] = []
        var kills = 0
        let batches = ["FIELDBOOK_SYNC_BATCH": "2"]
        for trial in 0..<trials {
            written += try writeNotes(sam, 1 + rng.next(below: 6), from: written.count, rng: &rng)
            if rng.chance(0.3) {
                written.append("supervisor note \(trial)")
                #expect(try binary.run(["--store", priya, "-c", "note LA-1 supervisor note \(trial)", "-c", "sync"]).status == 0)
            }
            let result: FieldbookBinary.Result
            if rng.chance(0.5) {
                let point = Self.clientPoints[rng.next(below: Self.clientPoints.count)] + "@\(1 + rng.next(below: 3))"
                result = try binary.run(["--store", sam, "-c", "sync"], environment: batches.merging(["FIELDBOOK_FAULT": point]) { $1 })
            } else {
                result = try binary.run(["--store", sam, "-c", "sync"], killAfter: 0.002 + rng.nextDouble() * 0.12, environment: batches)
            }
            if result.status == 9 { kills += 1 } else { #expect(result.status == 0, "trial \(trial): \(result.errors)") }
            if rng.chance(0.4) {
                #expect(try binary.run(["--store", sam, "-c", "sync"], environment: batches).status == 0, "trial \(trial): resume")
            }
        }
        let figures = try settleAndCheck(data: data, stores: [sam, priya], written: written)
        print("campaign client-kill: seed \(Self.seed), syncs \(trials), killed \(kills), notes \(written.count), lost \(figures.lost), duplicated \(figures.duplicated), replicas converged \(figures.converged)")
        #expect(kills > trials / 4, "the campaign must actually kill syncs (\(kills) of \(trials))")
    }

    @Test func centralPeerKilledAtRandomPointsAndRestarted() throws {
        let trials = Self.long ? 100 : 12
        var rng = SplitMix64(seed: Self.seed &+ 17)
        var (data, server, sam, priya) = try team()
        defer { server.stop() }
        var written: [String] = []
        var kills = 0, failedSyncs = 0
        for trial in 0..<trials {
            written += try writeNotes(sam, 1 + rng.next(below: 8), from: written.count, rng: &rng)
            let port = server.port
            if rng.chance(0.25) {
                // Killed right after committing a push, before answering it.
                server.stop()
                server = try RunningServer(binary: binary, data: data, port: port, fault: "server-after-push-commit")
            } else {
                server.kill(after: rng.nextDouble() * 0.08)
            }
            let cut = try binary.run(["--store", sam, "-c", "sync"], environment: ["FIELDBOOK_SYNC_BATCH": "3"])
            if cut.status != 0 {
                failedSyncs += 1
                #expect(cut.errors.contains("cannot reach the central peer"), "trial \(trial): a clean failure, \(cut.errors)")
            }
            server.process.waitUntilExit()
            if server.process.terminationReason == .uncaughtSignal { kills += 1 }
            server = try RunningServer(binary: binary, data: data, port: port)
            let resumed = try binary.run(["--store", sam, "-c", "sync"])
            #expect(resumed.status == 0, "trial \(trial): resume after restart: \(resumed.errors)")
            if rng.chance(0.3) { #expect(try binary.run(["--store", priya, "-c", "sync"]).status == 0) }
        }
        let figures = try settleAndCheck(data: data, stores: [sam, priya], written: written)
        print("campaign peer-kill: seed \(Self.seed), restarts \(trials), killed \(kills), syncs cut \(failedSyncs), notes \(written.count), lost \(figures.lost), duplicated \(figures.duplicated), replicas converged \(figures.converged)")
        #expect(kills >= trials / 2, "the campaign must actually kill the peer (\(kills) of \(trials))")
    }

    /// Syncs every device until quiet, then checks the central peer and every store: each written note once,
    /// the same changes everywhere, nothing pending, `verify` clean.
    private func settleAndCheck(data: String, stores: [String], written: [String]) throws -> (lost: Int, duplicated: Int, converged: Bool) {
        for store in stores + stores {
            let result = try binary.run(["--store", store, "-c", "sync"])
            #expect(result.status == 0, "\(result.errors)")
        }
        let central = data + "/central.sqlite"
        let bodies = try notes(central)
        let lost = Set(written).subtracting(bodies).count
        let duplicated = bodies.count - Set(bodies).count
        #expect(lost == 0, "notes lost on the central peer")
        #expect(duplicated == 0, "notes duplicated on the central peer")
        #expect(try count(central, "SELECT count(*) FROM central_quarantine") == 0)
        let reference = try changeDigest(central)
        var converged = true
        for store in stores {
            let same = try changeDigest(store) == reference
            converged = converged && same
            #expect(same, "\(store) holds the same changes as the peer")
            #expect(try notes(store).sorted() == bodies.sorted())
            #expect(try count(store, "SELECT count(*) FROM change_log c WHERE c.device_id = (SELECT value FROM store_meta WHERE key = 'device_id') AND NOT EXISTS (SELECT 1 FROM change_receipt r WHERE r.device_id = c.device_id AND r.seq = c.seq)") == 0, "nothing left pending")
            let verify = try binary.run(["--store", store, "-c", "verify"])
            #expect(verify.status == 0, "\(verify.output)")
        }
        return (lost, duplicated, converged)
    }

    private func open(_ path: String) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.readonly = true
        return try DatabaseQueue(path: path, configuration: configuration)
    }

    private func count(_ path: String, _ query: String) throws -> Int {
        try open(path).read { db in try Int.fetchOne(db, sql: query) ?? -1 }
    }

    private func notes(_ path: String) throws -> [String] {
        try open(path).read { db in try String.fetchAll(db, sql: "SELECT json_extract(fields, '$.body') FROM record WHERE type = 'note'") }
    }

    /// Every change's id and hash, in order: equal digests mean the same changes.
    private func changeDigest(_ path: String) throws -> [String] {
        try open(path).read { db in
            try String.fetchAll(db, sql: "SELECT device_id || ':' || seq || ':' || hash FROM change_log ORDER BY device_id, seq")
        }
    }
}
