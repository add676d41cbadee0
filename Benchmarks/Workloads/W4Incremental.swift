import Foundation
import GRDB
import Store

/// W4: one new visit synced by a worker whose store is up to date: time per sync and bytes on the wire
/// both ways, HTTP headers included. With protocol version 2 (the default) the sync is one `/v2/sync`
/// request; FIELDBOOK_SYNC_PROTOCOL=1 measures version 1's push and pull.
enum W4Incremental {
    static func run(device: BenchDevice, timing: TimedTransport, caseID: String, peer: BenchPeer, iterations: Int, quick: Bool) async throws -> [ReportRow] {
        let (seconds, up, down, phases) = try await syncs(device: device, timing: timing, caseID: caseID, peer: peer, iterations: iterations)
        let median = Measure.median(seconds)
        let bytes = Int(Measure.median(zip(up, down).map { Double($0 + $1) }))
        let upBytes = Int(Measure.median(up.map(Double.init))), downBytes = Int(Measure.median(down.map(Double.init)))
        return [
            ReportRow(id: "W4 incremental", name: "1 new visit, push + pull", figure: Format.milliseconds(median),
                      baseline: "p90 " + Format.milliseconds(Measure.percentile(seconds, 0.9)), ratio: "",
                      target: "median ≤ 2 ms", passed: quick ? nil : median <= 0.002),
            phases.row(id: "W4 phases", name: "HTTP round trips and the rest"),
            ReportRow(id: "W4 wire", name: "bytes: up \(upBytes), down \(downBytes)", figure: "\(bytes) B both ways",
                      baseline: "", ratio: "", target: "≤ 1.5 KB both ways", passed: quick ? nil : bytes <= 1536),
        ]
    }

    /// The floor under W4's time: one durable commit (WAL, `synchronous=FULL`, one visit-sized row) on this
    /// disk, measured in the same run. A sync that stores what it sent and received commits at least once on
    /// the peer (the pushed visit) and once on the client (its receipt and the cursor), each with an fsync.
    static func durableCommit(iterations: Int) throws -> ReportRow {
        let folder = try ScratchFolder("w4-commit")
        var configuration = Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        let pool = try DatabasePool(path: folder.path("commit.sqlite"), configuration: configuration)
        try pool.write { db in try db.execute(sql: "CREATE TABLE visit (id TEXT PRIMARY KEY, body TEXT)") }
        var prose = Prose(seed: 414)
        var seconds: [Double] = []
        for _ in 0...iterations {
            let body = prose.text(length: 1100)
            seconds.append(try Measure.seconds {
                try pool.write { db in try db.execute(sql: "INSERT INTO visit VALUES (?, ?)", arguments: [UUID().uuidString, body]) }
            })
        }
        let median = Measure.median(Array(seconds.dropFirst()))
        return ReportRow(id: "W4 floor", name: "1 durable commit (WAL, FULL), this disk", figure: Format.milliseconds(median),
                         baseline: "client + peer: 2 commits ≥ \(Format.milliseconds(2 * median))", ratio: "",
                         target: "(the limit under W4)", passed: nil)
    }

    /// The same syncs with the peer called in-process (no HTTP, no proxy): what the peer's and the client's
    /// work cost without the network stack.
    static func inProcess(device: BenchDevice, timing: TimedTransport, caseID: String, peer: BenchPeer, iterations: Int) async throws -> ReportRow {
        let (seconds, _, _, phases) = try await syncs(device: device, timing: timing, caseID: caseID, peer: peer, iterations: iterations)
        return phases.row(id: "W4 in-process", name: "same syncs, peer called directly", total: Measure.median(seconds))
    }

    /// Median seconds per part of a sync: the push request, the pull requests, and the client's own work.
    struct Phases {
        var push: [Double] = [], pull: [Double] = [], client: [Double] = []

        func row(id: String, name: String, total: Double? = nil) -> ReportRow {
            let parts = "push \(Format.milliseconds(Measure.median(push))), pull \(Format.milliseconds(Measure.median(pull))), client \(Format.milliseconds(Measure.median(client)))"
            return ReportRow(id: id, name: name, figure: total.map(Format.milliseconds) ?? "", baseline: parts, ratio: "", target: "(breakdown)", passed: nil)
        }
    }

    private static func syncs(device: BenchDevice, timing: TimedTransport, caseID: String, peer: BenchPeer,
                              iterations: Int) async throws -> ([Double], [Int], [Int], Phases) {
        var prose = Prose(seed: 404)
        var seconds: [Double] = [], up: [Int] = [], down: [Int] = []
        var phases = Phases()
        for iteration in 0...iterations {
            _ = try device.store.addVisit(caseID: caseID, values: [
                ("date", "2026-11-20"), ("type", "planned"), ("seen", "yes"), ("alone", "yes"),
                ("observations", prose.text(length: 900)), ("wishes", prose.text(length: 200))])
            peer.wire.reset()
            timing.reset()
            let time = try await Measure.seconds {
                let summary = try await device.sync()
                guard summary.pushed == 1 else { throw BenchError("W4: pushed \(summary.pushed), not 1") }
            }
            if iteration == 0 { continue }
            seconds.append(time)
            up.append(peer.wire.bytes.up)
            down.append(peer.wire.bytes.down)
            // Version 2 pushes and pulls in one request (/v2/sync): it counts as the pull phase.
            let push = timing.total("/v1/push"), pull = timing.total("/v1/pull") + timing.total("/v2/sync")
            phases.push.append(push)
            phases.pull.append(pull)
            phases.client.append(time - push - pull)
        }
        return (seconds, up, down, phases)
    }
}
