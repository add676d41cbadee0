import Foundation
import GRDB
import Store

/// W6: applying remote changes to a store, as pulls do (batches of 2,000, each one transaction with its
/// cursor), one change in ten conflicting: device A creates records and edits each many times; device B,
/// having seen only the creations, edits each record once.
enum W6Merge {
    static func run(changes total: Int, runs: Int, quick: Bool, log: (String) -> Void) throws -> [ReportRow] {
        let folder = try ScratchFolder("w6")
        let records = max(total / 10, 1)
        let (changes, generation) = try generate(records: records, folder: folder)
        log("W6: generated \(changes.count) changes in \(String(format: "%.1f", generation)) s")
        var ours: [Double] = [], raw: [Double] = [], floor: [Double] = []
        for run in 0...runs {
            let store = try CaseStore(path: folder.path("apply-\(run).sqlite"), author: "bench")
            let seconds = try Measure.seconds {
                var cursor: UInt64 = 0
                for start in stride(from: 0, to: changes.count, by: 2000) {
                    cursor += 1
                    try store.applyPulled(Array(changes[start..<min(start + 2000, changes.count)]), receivedAt: [:], cursor: cursor)
                }
            }
            let conflicted = try store.conflictCount()
            guard conflicted == records else { throw BenchError("W6: \(conflicted) conflicted fields, expected \(records)") }
            let report = try store.verify()
            guard report.isIntact else { throw BenchError("W6: verify failed: \(report.problems.prefix(3))") }
            let baseline = try rawInsert(changes, path: folder.path("raw-\(run).sqlite"))
            let withRecords = try rawInsert(changes, path: folder.path("raw-records-\(run).sqlite"), recordsAndIndex: true)
            if run == 0 { continue }
            ours.append(Double(changes.count) / seconds)
            raw.append(Double(changes.count) / baseline)
            floor.append(Double(changes.count) / withRecords)
        }
        let rate = Measure.median(ours), limit = Measure.median(raw), structural = Measure.median(floor)
        return [
            ReportRow(id: "W6 merge", name: "\(Format.grouped(changes.count)) changes, 10% conflicting", figure: Format.rate(rate, "changes"),
                      baseline: "raw insert " + Format.rate(limit, "rows"), ratio: Format.ratio(limit / rate),
                      target: "≥ 100,000/s, ≤ 2× raw insert", passed: quick ? nil : rate >= 100_000 && limit / rate <= 2),
            ReportRow(id: "   log + record", name: "raw: change row, record row, words",
                      figure: "", baseline: "raw insert " + Format.rate(structural, "changes"), ratio: Format.ratio(structural / rate),
                      target: "(reported)", passed: nil),
        ]
    }

    /// The changes of devices A and B, in the order their clocks give (as a central log would hold them).
    static func generate(records: Int, folder: ScratchFolder) throws -> ([Change], Double) {
        var result: [Change] = []
        let seconds = try Measure.seconds {
            let a = try CaseStore(path: folder.path("a.sqlite"), author: "worker.a", durability: .normal)
            let b = try CaseStore(path: folder.path("b.sqlite"), author: "worker.b", durability: .normal)
            try a.addCase(id: "W6-CASE", values: [("child", "Ann Lee"), ("dob", "2014-01-01"), ("category", "CIN")])
            var prose = Prose(seed: 606)
            var ids: [String] = []
            for _ in 0..<records { ids.append(try a.addNote(caseID: "W6-CASE", body: prose.text(length: 300))) }
            try b.applyPulled(try a.pendingChanges(limit: records + 1), receivedAt: [:], cursor: 1)
            for round in 0..<8 {
                for id in ids { _ = try a.edit(id, values: [("body", prose.text(length: 250 + round * 10))]) }
            }
            for id in ids { _ = try b.edit(id, values: [("body", prose.text(length: 280))]) }
            result = (try a.pendingChanges(limit: Int.max / 2) + b.pendingChanges(limit: Int.max / 2)).sorted { $0.hlc < $1.hlc }
        }
        return (result, seconds)
    }

    /// The same rows inserted into an empty SQLite file in the same batches. Seconds.
    ///
    /// With `recordsAndIndex`, also what any store that keeps a merged record and a search index must write
    /// for each change, done raw: the record's row replaced (its text with it) and its words indexed by FTS5
    /// (the old words out, the new in), beside the change's row. That is the floor for W6 in this design; the
    /// gap from it to the merge is the merge's own work.
    static func rawInsert(_ changes: [Change], path: String, recordsAndIndex: Bool = false) throws -> Double {
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in
            try db.execute(sql: """
                CREATE TABLE change_log (device_id TEXT, seq INTEGER, hlc INTEGER, recorded_at TEXT, author TEXT, record_id TEXT,
                    record_type TEXT, case_id TEXT, kind TEXT, writes TEXT, sealed TEXT, prev_hash TEXT, hash TEXT,
                    PRIMARY KEY (device_id, seq))
                """)
            guard recordsAndIndex else { return }
            try db.execute(sql: """
                CREATE TABLE record (id TEXT PRIMARY KEY, body TEXT);
                CREATE VIRTUAL TABLE words USING fts5(body, content='record', content_rowid='rowid', tokenize='porter unicode61 remove_diacritics 2');
                CREATE TRIGGER record_in AFTER INSERT ON record BEGIN INSERT INTO words (rowid, body) VALUES (new.rowid, new.body); END;
                CREATE TRIGGER record_changed AFTER UPDATE ON record BEGIN
                    INSERT INTO words (words, rowid, body) VALUES ('delete', old.rowid, old.body);
                    INSERT INTO words (rowid, body) VALUES (new.rowid, new.body);
                END;
                """)
        }
        return try Measure.seconds {
            for start in stride(from: 0, to: changes.count, by: 2000) {
                try queue.write { db in
                    let statement = try db.makeStatement(sql: "INSERT INTO change_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
                    let batch = changes[start..<min(start + 2000, changes.count)]
                    for change in batch {
                        let writes = change.writes.map { "\($0.field)=\($0.value ?? "")" }.joined(separator: "\u{1F}")
                        try statement.execute(arguments: [change.id.deviceID, change.id.seq, change.hlc.rawValue, change.recordedAt,
                                                          change.author, change.recordID, change.recordType.rawValue, change.caseID,
                                                          change.kind.rawValue, writes, "", change.previousHash, change.hash])
                    }
                    guard recordsAndIndex else { return }
                    // Records 256 to a statement, as the store saves them: FTS5 writes its words out at every
                    // statement that opens a savepoint (docs/BENCHMARKS.md, the search index).
                    var latest: [String: String] = [:]
                    for change in batch { latest[change.recordID] = change.write(to: "body")?.value ?? "" }
                    let rows = Array(latest)
                    for chunk in stride(from: 0, to: rows.count, by: 256) {
                        let part = rows[chunk..<min(chunk + 256, rows.count)]
                        var arguments = StatementArguments()
                        for (id, body) in part { arguments += [id, body] }
                        try db.execute(sql: "INSERT INTO record (id, body) VALUES "
                                       + Array(repeating: "(?, ?)", count: part.count).joined(separator: ", ")
                                       + " ON CONFLICT (id) DO UPDATE SET body = excluded.body", arguments: arguments)
                    }
                }
            }
        }
    }
}
