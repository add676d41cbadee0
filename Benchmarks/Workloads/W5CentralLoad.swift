import AsyncHTTPClient
import Central
import CentralPostgres
import CentralSQLite
import ClientSync
import Foundation
import NIOPosix
import Store
import SyncHTTPClient
import SyncProtocol

/// W5: many devices syncing at once, each pushing `changes` new records and then pulling, each with its
/// own HTTP connection pool, as separate laptops would. The central peer runs in processes of its own
/// (``PeerProcess``), as in production: one on a SQLite data folder, or several on one PostgreSQL database,
/// with the devices shared among them as a load balancer would.
enum W5CentralLoad {
    enum Engine {
        case sqlite
        case postgres(database: String, instances: Int)

        var isPostgres: Bool {
            if case .postgres = self { return true }
            return false
        }

        var label: String {
            switch self {
            case .sqlite: return "W5 central load"
            case .postgres(_, let instances): return "W5 PostgreSQL"
                + (instances == 1 ? "" : ", \(instances) instances")
            }
        }
    }

    static func run(_ engine: Engine = .sqlite, devices count: Int, changes: Int, runs: Int, quick: Bool) async throws -> ReportRow {
        let folder = try ScratchFolder("w5")
        let centralFolder = try ScratchFolder("w5-central")
        // The administration's storage creates and migrates the central storage before the peers open it.
        let storage: any CentralStorage
        let location: [String]
        var instances = 1
        switch engine {
        case .sqlite:
            storage = try SQLiteCentralStorage(folder: centralFolder.url.path, actor: "admin")
            location = ["--data", centralFolder.url.path]
        case .postgres(let database, let count):
            storage = try await PostgresCentralStorage(url: database)
            location = ["--database", database]
            instances = count
        }
        let admin = CentralAdministration(storage: storage, actor: "admin")
        let peers = try (0..<instances).map { _ in try PeerProcess(storage: location) }
        defer { peers.forEach { $0.stop() } }
        var devices: [BenchDevice] = []
        var clients: [HTTPClient] = []
        for n in 1...count {
            let user = String(format: "load%03d", n)
            let peer = peers[n % peers.count]
            _ = try await admin.addUser(user, role: .worker, team: "load")
            try await admin.addCase(id: "L-\(user)", values: [("child", "Load \(n)"), ("dob", "2014-01-01"), ("category", "CIN")], worker: user)
            let client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
            clients.append(client)
            let store = try CaseStore(path: folder.path("\(user).sqlite"), author: user, durability: .normal)
            var sync = SyncClient(store: store, transport: HTTPSyncTransport(baseURL: peer.url, client: client))
            sync.pushBatch = 1000
            sync.pullBatch = 1000
            _ = try await sync.enrol(serverURL: peer.url, code: try await admin.newCode(for: user), deviceName: "bench \(user)")
            let device = BenchDevice(store: store, client: sync)
            try await device.sync()
            devices.append(device)
        }
        var rates: [Double] = [], latencies: [Double] = []
        var errors = 0
        // CPU of the measured syncs only (not the warm-up run, nor the notes written between runs).
        let peerIDs = peers.map(\.processIdentifier)
        let onPostgres = engine.isPostgres
        var cpu = W5CPUReading.zero
        var measuredWall = 0.0
        // What the first failed sync said: a failure is a finding, not only a count.
        var firstError: String?
        var prose = Prose(seed: 505)
        for run in 0...runs {
            for device in devices {
                for n in 0..<changes {
                    _ = try device.store.addNote(caseID: "L-\(device.store.author)", body: prose.text(length: 300 + n % 400))
                }
            }
            var times: [Double] = []
            var failed = 0
            let before = W5CPUReading.now(peers: peerIDs, postgres: onPostgres)
            let wall = await Measure.seconds {
                await withTaskGroup(of: Result<Double, any Error>.self) { group in
                    for device in devices {
                        group.addTask {
                            do {
                                let time = try await Measure.seconds {
                                    let summary = try await device.sync()
                                    guard summary.pushed == changes, summary.rejected == 0 else { throw BenchError("W5: \(summary.line)") }
                                }
                                return .success(time)
                            } catch {
                                return .failure(error)
                            }
                        }
                    }
                    for await time in group {
                        switch time {
                        case .success(let time): times.append(time)
                        case .failure(let error):
                            failed += 1
                            if firstError == nil { firstError = "\(error)" }
                        }
                    }
                }
            }
            let used = W5CPUReading.now(peers: peerIDs, postgres: onPostgres) - before
            if run == 0 { continue }
            cpu = cpu + used
            measuredWall += wall
            rates.append(Double(count * changes) / wall)
            latencies += times
            errors += failed
        }
        for client in clients { try? await client.shutdown() }
        let rate = Measure.median(rates), p99 = Measure.percentile(latencies, 0.99)
        return ReportRow(id: engine.label, name: "\(count) devices × \(changes) changes, p99 \(Format.milliseconds(p99))",
                         figure: Format.rate(rate, "changes"), baseline: "errors \(errors)", ratio: "",
                         target: "≥ 10,000/s, p99 ≤ 1 s, 0 errors",
                         passed: quick ? (errors == 0 ? nil : false) : rate >= 10_000 && p99 <= 1 && errors == 0,
                         details: [cpuDetail(cpu, changes: Double(count * changes * runs), wall: measuredWall, postgres: onPostgres),
                                   firstError.map { "first error: \($0)" }].compactMap { $0 })
    }

    /// Where the CPU went, per 1,000 changes synced, and how many cores were busy on average.
    private static func cpuDetail(_ cpu: W5CPUReading, changes: Double, wall: Double, postgres: Bool) -> String? {
        guard changes > 0, wall > 0 else { return nil }
        let per = 1000 / changes
        let total = cpu.peers + cpu.postgres + cpu.devices
        return String(format: "CPU per 1,000 changes: peer %.3f s", cpu.peers * per)
            + (postgres ? String(format: ", PostgreSQL %.3f s", cpu.postgres * per) : "")
            + String(format: ", devices (this process) %.3f s; %.2f of %d cores busy", cpu.devices * per, total / wall,
                     ProcessInfo.processInfo.activeProcessorCount)
    }
}
