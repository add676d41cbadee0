import Central
import CentralSQLite
import ClientSync
import Foundation
import SyncProtocol

/// `fieldbook-bench`: every workload of docs/BENCHMARKS.md against the real code paths, each beside the
/// physical-limit baseline measured in the same run. `--quick` runs small sizes to check that each
/// workload works (CI); the full run takes a few minutes.
let usage = """
    usage: swift run -c release fieldbook-bench [--quick] [--only W1,W2,...] [--runs N]
      --quick     small sizes, targets not judged (a smoke test)
      --only      run only these workloads (W1 to W7; W2 and W3 share their data)
      --runs N    timed runs per workload after the warm-up (default 5; 2 with --quick)
      --workers N workers in the team W2–W4 sync (default 8, each 20 cases × 250 records; for profiling)
      --devices N devices syncing at once in W5 (default 60; 600 shows how the peer grows)
    """

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == ClientSyncProcess.command {
    do {
        try await ClientSyncProcess.main(Array(arguments.dropFirst()))
        exit(0)
    } catch {
        FileHandle.standardError.write(Data("client-sync: \(error)\n".utf8))
        exit(1)
    }
}

if arguments.first == PeerProcess.command {
    do {
        try await PeerProcess.main(Array(arguments.dropFirst()))
        exit(0)
    } catch {
        FileHandle.standardError.write(Data("peer-serve: \(error)\n".utf8))
        exit(1)
    }
}

if arguments.first == "prose-check" {
    // zlib-6 ratio of 300 KB of generated prose, for each mix (tuning Prose.jumpChance).
    for chance in stride(from: 0.0, through: 1.0, by: 0.1) {
        var prose = Prose(seed: 1, jumpChance: chance)
        var bytes: [UInt8] = []
        while bytes.count < 300_000 { bytes += Array(prose.text(length: 800).utf8) + [0x20] }
        print(String(format: "jump %.1f: ratio %.3f", chance, Double(try Zlib.compress(bytes, level: 6).count) / Double(bytes.count)))
    }
    exit(0)
}

/// An option's value, a number from 1 to 50; anything else ends the program with a message.
func number(_ text: String, for option: String) -> Int {
    guard let value = Int(text), (1...50).contains(value) else {
        FileHandle.standardError.write(Data("\(option) takes a number from 1 to 50\n".utf8))
        exit(2)
    }
    return value
}

var quick = false
var only: Set<String> = ["W1", "W2", "W3", "W4", "W5", "W6", "W7"]
var runs: Int?
var workers = 8
var devices: Int?
var index = 0
while index < arguments.count {
    switch arguments[index] {
    case "--quick": quick = true
    case "--only" where index + 1 < arguments.count:
        index += 1
        only = Set(arguments[index].uppercased().split(separator: ",").map(String.init))
    case "--runs" where index + 1 < arguments.count:
        index += 1
        runs = number(arguments[index], for: "--runs")
    case "--workers" where index + 1 < arguments.count:
        index += 1
        workers = number(arguments[index], for: "--workers")
    case "--devices" where index + 1 < arguments.count:
        index += 1
        guard let value = Int(arguments[index]), (1...2_000).contains(value) else {
            FileHandle.standardError.write(Data("--devices takes a number from 1 to 2000\n".utf8))
            exit(2)
        }
        devices = value
    case "--help", "-h":
        print(usage)
        exit(0)
    default:
        FileHandle.standardError.write(Data("unknown argument '\(arguments[index])'\n\(usage)\n".utf8))
        exit(2)
    }
    index += 1
}

let timedRuns = runs ?? (quick ? 2 : 5)
func log(_ text: String) { FileHandle.standardError.write(Data("· \(text)\n".utf8)) }

var rows: [ReportRow] = []
do {
    let started = Date()
    log("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(ProcessInfo.processInfo.physicalMemory / 1_073_741_824) GiB; \(quick ? "quick" : "full") run, \(timedRuns) timed runs after a warm-up")
    if only.contains("W1") {
        rows.append(try W1LocalWrite.run(visits: quick ? 200 : 10_000, runs: min(timedRuns, 3), quick: quick))
        log(rows.last?.line ?? "")
    }
    if !only.isDisjoint(with: ["W2", "W3", "W4"]) {
        let peer = try await BenchPeer.start()
        let dataset = quick ? Dataset(workers: 2, casesPerWorker: 3, recordsPerCase: 20) : Dataset(workers: workers, casesPerWorker: 20, recordsPerCase: 250)
        let folder = try ScratchFolder("data")
        try await dataset.load(into: peer, folder: folder, log: log)
        if only.contains("W2") || only.contains("W4") {
            rows += try await FirstSync.worker(dataset, peer: peer, runs: min(timedRuns, 3), quick: quick)
            rows.suffix(3).forEach { log($0.line) }
        }
        if only.contains("W3") {
            rows.append(try await FirstSync.supervisor(dataset, peer: peer, runs: min(timedRuns, 3), quick: quick))
            log(rows.last?.line ?? "")
        }
        if only.contains("W4") {
            let worker = dataset.workers[0]
            var timing: TimedTransport?
            let device = try await peer.device(worker, path: folder.path("w4.sqlite")) { http in
                let timed = TimedTransport(http)
                timing = timed
                return timed
            }
            try await device.sync()
            let caseID = dataset.cases(of: worker)[0]
            guard let timing else { throw BenchError("W4: no timed transport") }
            rows += try await W4Incremental.run(device: device, timing: timing, caseID: caseID, peer: peer,
                                                iterations: quick ? 3 : 25, quick: quick)
            let direct = TimedTransport(try peer.inProcessTransport())
            let inProcess = try await peer.device(worker, path: folder.path("w4-in-process.sqlite")) { _ in direct }
            try await inProcess.sync()
            rows.append(try await W4Incremental.inProcess(device: inProcess, timing: direct, caseID: caseID, peer: peer,
                                                          iterations: quick ? 3 : 25))
            rows.append(try W4Incremental.durableCommit(iterations: quick ? 3 : 25))
            rows.suffix(5).forEach { log($0.line) }
        }
        await peer.stop()
    }
    if only.contains("W5") {
        let count = devices ?? (quick ? 6 : 60)
        let (changes, w5Runs) = (quick ? 10 : 100, min(timedRuns, 3))
        rows.append(try await W5CentralLoad.run(devices: count, changes: changes, runs: w5Runs, quick: quick))
        log(rows.last?.line ?? "")
        // The same load on PostgreSQL: one instance, then two on one database behind the devices.
        switch BenchPostgres.start() {
        case .success(let postgres):
            defer { postgres.stop() }
            for instances in [1, 2] {
                let database = try postgres.database("fieldbook_w5_\(instances)")
                rows.append(try await W5CentralLoad.run(.postgres(database: database, instances: instances), devices: count,
                                                        changes: changes, runs: w5Runs, quick: quick))
                log(rows.last?.line ?? "")
            }
        case .failure(let why):
            rows.append(ReportRow(id: "W5 PostgreSQL", name: "not run: \(why)", figure: "", baseline: "", ratio: "",
                                  target: "≥ 10,000/s, p99 ≤ 1 s, 0 errors", passed: nil))
            log(rows.last?.line ?? "")
        }
    }
    if only.contains("W6") {
        rows += try W6Merge.run(changes: quick ? 2_000 : 100_000, runs: min(timedRuns, 3), quick: quick, log: log)
        rows.suffix(2).forEach { log($0.line) }
    }
    if only.contains("W7") {
        rows += try W7Search.run(notes: quick ? 500 : 20_000, visits: quick ? 100 : 2_000, runs: min(timedRuns, 3), quick: quick, log: log)
        rows.suffix(2).forEach { log($0.line) }
    }
    print(ReportRow.header)
    for row in rows { print(row.line) }
    print("peak memory of this process: \(Format.bytes(Measure.peakResidentBytes)) (W3's client runs in its own process, reported above)")
    print(String(format: "total time: %.0f s", Date().timeIntervalSince(started)))
    exit(rows.contains { $0.passed == false } ? 1 : 0)
} catch {
    FileHandle.standardError.write(Data("fieldbook-bench: \(error)\n".utf8))
    exit(2)
}
