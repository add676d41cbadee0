import Foundation
import Seeded

/// The PostgreSQL server W5 runs on: `FIELDBOOK_BENCH_POSTGRES` (a server URL), or a cluster of its own
/// started through `.ci/postgres.sh` with durable commits (fsync and synchronous commits on, as in
/// production, so that PostgreSQL pays for the disk as SQLite does), stopped when the bench ends.
final class BenchPostgres: @unchecked Sendable {
    let server: String
    private let script: String?
    private let environment: [String: String]

    /// The server, or why there is none (the row says so; the other workloads run).
    static func start() -> Result<BenchPostgres, BenchError> {
        if let url = ProcessInfo.processInfo.environment["FIELDBOOK_BENCH_POSTGRES"], !url.isEmpty {
            return .success(BenchPostgres(server: url, script: nil, environment: [:]))
        }
        let bin = ProcessInfo.processInfo.environment["POSTGRES_BIN"] ?? "/usr/lib/postgresql/15/bin"
        guard FileManager.default.isExecutableFile(atPath: bin + "/initdb") else {
            return .failure(BenchError("no PostgreSQL in \(bin) and FIELDBOOK_BENCH_POSTGRES is not set"))
        }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".ci/postgres.sh").path
        let environment = ["FIELDBOOK_POSTGRES_DURABLE": "1",
                           "FIELDBOOK_POSTGRES_STATE": FileManager.default.temporaryDirectory.appendingPathComponent("fieldbook-bench-postgres.state").path]
        do {
            let (status, output, errors) = try runTool("/bin/bash", [script, "start"], environment: environment)
            guard status == 0, !output.isEmpty else { return .failure(BenchError("\(script) start failed: \(errors)")) }
            return .success(BenchPostgres(server: output, script: script, environment: environment))
        } catch {
            return .failure(BenchError("\(script) could not run: \(error)"))
        }
    }

    private init(server: String, script: String?, environment: [String: String]) {
        self.server = server
        self.script = script
        self.environment = environment
    }

    /// A new, empty database's URL.
    func database(_ name: String) throws -> String {
        let psql = try runTool("/usr/bin/psql", [server, "-q", "-v", "ON_ERROR_STOP=1", "-c", "DROP DATABASE IF EXISTS \(name) WITH (FORCE)",
                                                 "-c", "CREATE DATABASE \(name)"])
        guard psql.status == 0 else { throw BenchError("psql: \(psql.errors)") }
        guard var components = URLComponents(string: server) else { throw BenchError("the server URL \(server) cannot be read") }
        components.path = "/" + name
        return components.string ?? server
    }

    /// Stops the cluster, if the bench started it.
    func stop() {
        guard let script else { return }
        _ = try? runTool("/bin/bash", [script, "stop"], environment: environment)
    }
}
