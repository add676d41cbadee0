import Foundation
import Store

/// W4: one new visit synced by a worker whose store is up to date: time per sync and bytes on the wire
/// both ways, HTTP headers included.
enum W4Incremental {
    static func run(device: BenchDevice, caseID: String, peer: BenchPeer, iterations: Int, quick: Bool) async throws -> [ReportRow] {
        var prose = Prose(seed: 404)
        var seconds: [Double] = [], up: [Int] = [], down: [Int] = []
        for iteration in 0...iterations {
            _ = try device.store.addVisit(caseID: caseID, values: [
                ("date", "2026-11-20"), ("type", "planned"), ("seen", "yes"), ("alone", "yes"),
                ("observations", prose.text(length: 900)), ("wishes", prose.text(length: 200))])
            peer.wire.reset()
            let time = try await Measure.seconds {
                let summary = try await device.sync()
                guard summary.pushed == 1 else { throw BenchError("W4: pushed \(summary.pushed), not 1") }
            }
            if iteration == 0 { continue }
            seconds.append(time)
            up.append(peer.wire.bytes.up)
            down.append(peer.wire.bytes.down)
        }
        let median = Measure.median(seconds)
        let bytes = Int(Measure.median(zip(up, down).map { Double($0 + $1) }))
        let upBytes = Int(Measure.median(up.map(Double.init))), downBytes = Int(Measure.median(down.map(Double.init)))
        return [
            ReportRow(id: "W4 incremental", name: "1 new visit, push + pull", figure: Format.milliseconds(median),
                      baseline: "p90 " + Format.milliseconds(Measure.percentile(seconds, 0.9)), ratio: "",
                      target: "median ≤ 10 ms", passed: quick ? nil : median <= 0.010),
            ReportRow(id: "W4 wire", name: "bytes: up \(upBytes), down \(downBytes)", figure: "\(bytes) B both ways",
                      baseline: "", ratio: "", target: "≤ 2 KB both ways", passed: quick ? nil : bytes <= 2048),
        ]
    }
}
