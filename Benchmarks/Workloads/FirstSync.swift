import Central
import CentralSQLite
import ClientSync
import Foundation
import GRDB
import Store
import SyncProtocol

/// W2 and W3: a first sync into an empty store, against two limits for the same rows measured in the same
/// run: the client's own limit (inflate bytes compressed beforehand and insert the rows raw into an empty
/// SQLite file: what a client must still do once the peer sends pre-compressed segments, issue 13), and the
/// whole ideal pipeline (read them from the peer's SQLite, zlib-6, copy, inflate, insert). W2 also weighs the
/// wire against zlib-6 of the same records as JSON.
enum FirstSync {
    /// W2: one worker's caseload, in this process.
    static func worker(_ dataset: Dataset, peer: BenchPeer, runs: Int, quick: Bool) async throws -> [ReportRow] {
        let worker = dataset.workers[0]
        var seconds: [Double] = [], ideal: [Double] = [], client: [Double] = []
        var wire = 0
        var cold = 0.0
        var lastStore: CaseStore?
        let folder = try ScratchFolder("w2")
        for run in 0...runs {
            let device = try await peer.device(worker, path: folder.path("w2-\(run).sqlite"))
            peer.wire.reset()
            let time = try await Measure.seconds { try await device.sync() }
            let bytes = peer.wire.bytes
            let limits = try idealPipeline(peer: peer, cases: dataset.cases(of: worker), folder: folder)
            ideal.append(limits.whole)
            client.append(limits.client)
            // The warm-up is the first device to receive these cases: its sync seals their segments.
            if run == 0 { cold = time; continue }
            seconds.append(time)
            wire = bytes.up + bytes.down
            lastStore = device.store
        }
        guard let store = lastStore else { throw BenchError("W2 ran no timed sync") }
        let records = dataset.recordsPerWorker
        let held = try await store.database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM record WHERE type != 'case'") ?? 0 }
        guard held == records else { throw BenchError("W2: the store holds \(held) records, not \(records)") }
        let report = try store.verify()
        guard report.isIntact else { throw BenchError("W2: verify failed: \(report.problems.prefix(3))") }
        let rate = Double(records) / Measure.median(seconds)
        let ratio = Measure.median(seconds) / Measure.median(client.dropFirst().map { $0 })
        let idealRatio = Measure.median(seconds) / Measure.median(ideal.dropFirst().map { $0 })
        let (json, proseRatio) = try jsonBaseline(store)
        let wireRatio = Double(wire) / Double(json)
        return [
            ReportRow(id: "W2 first sync", name: "\(Format.grouped(records)) records, 1 worker", figure: Format.rate(rate, "records"),
                      baseline: "inflate + raw insert " + Format.rate(Double(records) / Measure.median(client), "records"),
                      ratio: Format.ratio(ratio), target: "≥ 30,000/s, ≤ 1.5× inflate + insert",
                      passed: quick ? nil : rate >= 30_000 && ratio <= 1.5),
            ReportRow(id: "   first device", name: "seals the segments (warm-up run)", figure: Format.rate(Double(records) / cold, "records"),
                      baseline: "", ratio: "", target: "(reported)", passed: nil),
            ReportRow(id: "   whole pipeline", name: "read, zlib-6, copy, inflate, insert", figure: "",
                      baseline: "ideal pipeline " + Format.rate(Double(records) / Measure.median(ideal), "records"),
                      ratio: Format.ratio(idealRatio), target: "(reported)", passed: nil),
            ReportRow(id: "W2 wire size", name: "bytes both ways, headers incl.", figure: Format.bytes(wire),
                      baseline: "zlib-6 of records' JSON " + Format.bytes(json), ratio: Format.ratio(wireRatio),
                      target: "≤ 1.1× zlib-6 JSON", passed: quick ? nil : wireRatio <= 1.1),
            ReportRow(id: "   data check", name: "prose zlib-6 ratio", figure: String(format: "%.3f", proseRatio),
                      baseline: "", ratio: "", target: "0.35 – 0.45", passed: quick ? nil : (0.35...0.45).contains(proseRatio)),
        ]
    }

    /// W3: the supervisor's first sync of the whole team, in a child process so that its memory is the
    /// client's alone.
    static func supervisor(_ dataset: Dataset, peer: BenchPeer, runs: Int, quick: Bool) async throws -> ReportRow {
        let folder = try ScratchFolder("w3")
        let records = dataset.recordsPerWorker * dataset.workers.count
        let allCases = dataset.workers.flatMap(dataset.cases(of:))
        var seconds: [Double] = [], client: [Double] = [], peaks: [Int] = []
        for run in 0...runs {
            let code = try await peer.admin.newCode(for: dataset.supervisor)
            let result = try ClientSyncProcess.run(url: peer.wire.url, code: code, store: folder.path("w3-\(run).sqlite"))
            guard result.records == records else { throw BenchError("W3: the supervisor's store holds \(result.records) records, not \(records)") }
            client.append(try idealPipeline(peer: peer, cases: allCases, folder: folder).client)
            try? FileManager.default.removeItem(atPath: folder.path("w3-\(run).sqlite"))
            if run == 0 { continue }
            seconds.append(result.seconds)
            peaks.append(result.peakBytes)
        }
        let rate = Double(records) / Measure.median(seconds)
        let ratio = Measure.median(seconds) / Measure.median(client)
        let peak = peaks.max() ?? 0
        return ReportRow(id: "W3 supervisor sync", name: "\(Format.grouped(records)) records, peak \(Format.bytes(peak))",
                         figure: Format.rate(rate, "records"),
                         baseline: "inflate + raw insert " + Format.rate(Double(records) / Measure.median(client), "records"),
                         ratio: Format.ratio(ratio), target: "≥ 25,000/s, peak ≤ 100 MB",
                         passed: quick ? nil : rate >= 25_000 && peak <= 100 * 1_000_000)
    }

    /// The physical limits of moving these cases' changes, in seconds: `whole`, a raw SQLite read of their
    /// rows, zlib-6, a copy, inflate, and a raw insert into an empty SQLite file in one transaction; `client`,
    /// the inflate and the insert alone, of bytes compressed beforehand (the client's share once the peer
    /// serves pre-compressed segments).
    static func idealPipeline(peer: BenchPeer, cases: [String], folder: ScratchFolder) throws -> (whole: Double, client: Double) {
        var readOnly = Configuration()
        readOnly.readonly = true
        let source = try DatabaseQueue(path: peer.centralDatabasePath, configuration: readOnly)
        let target = folder.path("ideal-\(UUID().uuidString.prefix(6)).sqlite")
        defer { try? FileManager.default.removeItem(atPath: target) }
        let destination = try DatabaseQueue(path: target)
        let columns = ["device_id", "seq", "hlc", "recorded_at", "author", "record_id", "record_type", "case_id", "kind", "writes", "sealed",
                       "prev_hash", "hash"]
        try destination.write { db in try db.execute(sql: "CREATE TABLE change_log (" + columns.joined(separator: ", ") + ")") }
        let placeholders = columns.map { _ in "?" }.joined(separator: ", ")
        var compressedCopy: [UInt8] = []
        var size = 0
        let whole = try Measure.seconds {
            var bytes: [UInt8] = []
            try source.read { db in
                let rows = try Row.fetchCursor(db, sql: "SELECT " + columns.joined(separator: ", ")
                                               + " FROM change_log WHERE case_id IN (SELECT value FROM json_each(?))",
                                               arguments: [String(decoding: try JSONEncoder().encode(cases), as: UTF8.self)])
                while let row = try rows.next() {
                    for index in columns.indices {
                        bytes.append(contentsOf: (row[index] as DatabaseValue).description.utf8)
                        bytes.append(0x1F)
                    }
                    bytes.append(0x1E)
                }
            }
            let compressed = try Zlib.compress(bytes, level: 6)
            let copied = Array(compressed)
            let inflated = try Zlib.decompress(copied, maximumSize: bytes.count)
            try insert(inflated, into: destination, placeholders: placeholders, columns: columns.count)
            compressedCopy = copied
            size = bytes.count
        }
        let clientTarget = folder.path("client-\(UUID().uuidString.prefix(6)).sqlite")
        defer { try? FileManager.default.removeItem(atPath: clientTarget) }
        let clientDestination = try DatabaseQueue(path: clientTarget)
        try clientDestination.write { db in try db.execute(sql: "CREATE TABLE change_log (" + columns.joined(separator: ", ") + ")") }
        let client = try Measure.seconds {
            let inflated = try Zlib.decompress(compressedCopy, maximumSize: size)
            try insert(inflated, into: clientDestination, placeholders: placeholders, columns: columns.count)
        }
        return (whole, client)
    }

    /// The rows of `inflated` (fields apart by 0x1F, rows by 0x1E) inserted raw in one transaction.
    private static func insert(_ inflated: [UInt8], into destination: DatabaseQueue, placeholders: String, columns: Int) throws {
        try destination.write { db in
            let statement = try db.makeStatement(sql: "INSERT INTO change_log VALUES (\(placeholders))")
            for record in inflated.split(separator: 0x1E) {
                let fields = record.split(separator: 0x1F, omittingEmptySubsequences: false).prefix(columns)
                try statement.execute(arguments: StatementArguments(fields.map { String(decoding: $0, as: UTF8.self) }))
            }
        }
    }

    /// zlib-6 of the store's cases, visits and notes as JSON lines; and the zlib-6 ratio of their prose.
    static func jsonBaseline(_ store: CaseStore) throws -> (bytes: Int, proseRatio: Double) {
        var json: [UInt8] = []
        var prose: [UInt8] = []
        try store.database.read { db in
            for view in ["cases", "visits", "notes"] {
                for row in try Row.fetchAll(db, sql: "SELECT * FROM \(view)") {
                    var object: [String: Any] = [:]
                    for (column, value) in row {
                        switch value.storage {
                        case .null: object[column] = NSNull()
                        case .int64(let number): object[column] = number
                        case .double(let number): object[column] = number
                        case .string(let text): object[column] = text
                        case .blob(let data): object[column] = data.base64EncodedString()
                        }
                    }
                    json += try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                    json.append(0x0A)
                }
            }
            for text in try String.fetchAll(db, sql: "SELECT wishes || ' ' || observations || ' ' || analysis || ' ' || actions FROM visits WHERE wishes IS NOT NULL UNION ALL SELECT body FROM notes") {
                prose += Array(text.utf8)
            }
        }
        let proseRatio = Double(try Zlib.compress(prose, level: 6).count) / Double(max(prose.count, 1))
        return (try Zlib.compress(json, level: 6).count, proseRatio)
    }
}
