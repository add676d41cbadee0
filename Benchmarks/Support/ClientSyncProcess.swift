import Central
import CentralSQLite
import ClientSync
import Foundation
import GRDB
import Store
import SyncHTTPClient
import SyncProtocol

/// A first sync run in a child process (`fieldbook-bench client-sync URL CODE STORE`), so that its peak
/// memory is the client's alone.
enum ClientSyncProcess {
    struct Result {
        let records: Int
        let seconds: Double
        let peakBytes: Int
    }

    static let command = "client-sync"

    /// Runs the child and reads its one result line.
    static func run(url: String, code: String, store: String) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        process.arguments = [command, url, code, store]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        var values: [String: String] = [:]
        for pair in text.split(whereSeparator: \.isWhitespace) {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { values[String(parts[0])] = String(parts[1]) }
        }
        guard process.terminationStatus == 0, let records = values["records"].flatMap(Int.init),
              let seconds = values["seconds"].flatMap(Double.init), let peak = values["peak"].flatMap(Int.init) else {
            throw BenchError("the client-sync child failed (status \(process.terminationStatus)): \(text)")
        }
        return Result(records: records, seconds: seconds, peakBytes: peak)
    }

    /// The child: enrol, then one timed sync; prints `records=N seconds=S peak=BYTES`.
    static func main(_ arguments: [String]) async throws {
        guard arguments.count == 3 else { throw BenchError("usage: fieldbook-bench client-sync URL CODE STORE") }
        let (url, code, path) = (arguments[0], arguments[1], arguments[2])
        let store = try CaseStore(path: path, author: "bench")
        var client = SyncClient(store: store, transport: HTTPSyncTransport(baseURL: url))
        client.pullBatch = 1000
        if ProcessInfo.processInfo.environment["FIELDBOOK_SYNC_PROTOCOL"] == "1" { client.protocolVersion = .v1 }
        _ = try await client.enrol(serverURL: url, code: code, deviceName: "bench supervisor")
        Measure.resetPeak()
        let seconds = try await Measure.seconds { _ = try await client.sync() }
        let peak = Measure.peakResidentBytes
        let records = try await store.database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM record WHERE type != 'case'") ?? 0 }
        let report = try store.verify()
        guard report.isIntact else { throw BenchError("verify failed after the sync: \(report.problems.prefix(3))") }
        print("records=\(records) seconds=\(seconds) peak=\(peak)")
    }
}
