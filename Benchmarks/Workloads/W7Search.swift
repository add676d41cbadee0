import Foundation
import GRDB
import Store

/// W7: `search` on a store of 20,000 notes (the full-text index of store v9), beside a scan of the same
/// notes with `LIKE`, what finding the words costs without the index (no ranking, no snippets); and what
/// keeping the index in step adds to recording a visit and to applying pulled visits, beside the same
/// work with the index's triggers dropped (the write path before v9), in the same run.
enum W7Search {
    /// What is searched for: a common word, a phrase-like pair, a first name (rarer), and a word with its
    /// inflections (the stemmer joins them).
    static let queries = ["school", "contact sister", "Kwame", "visited"]

    static func run(notes count: Int, visits: Int, runs: Int, quick: Bool, log: (String) -> Void) throws -> [ReportRow] {
        let folder = try ScratchFolder("w7")
        let store = try CaseStore(path: folder.path("search.sqlite"), author: "bench", durability: .normal)
        var prose = Prose(seed: 707)
        for caseNumber in 0..<20 {
            try store.addCase(id: "W7-\(caseNumber)", values: [("child", "Ann Lee"), ("dob", "2014-01-01"), ("category", "CIN")])
        }
        let filled = try Measure.seconds {
            for n in 0..<count {
                _ = try store.addNote(caseID: "W7-\(n % 20)", body: prose.text(length: 400))
            }
        }
        log(String(format: "W7: %d notes of about 400 characters recorded in %.1f s", count, filled))
        var searches: [Double] = [], scans: [Double] = []
        for query in queries {
            _ = try store.search(query)
            _ = try scan(store, query)
            var these: [Double] = [], scanned: [Double] = []
            var found = 0
            for _ in 0..<max(runs, 5) {
                these.append(try Measure.seconds { found = try store.search(query).total })
                scanned.append(try Measure.seconds { _ = try scan(store, query) })
            }
            log("W7: search \"\(query)\" finds \(found) notes in " + Format.milliseconds(Measure.median(these))
                + " (50 shown, ranked, with snippets); LIKE scan " + Format.milliseconds(Measure.median(scanned)))
            searches += these
            scans += scanned
        }
        let search = Measure.median(searches), slowest = searches.max() ?? 0, like = Measure.median(scans)
        let searchRow = ReportRow(id: "W7 search", name: "\(Format.grouped(count)) notes, \(queries.count) queries",
                                  figure: Format.milliseconds(search) + " (max " + Format.milliseconds(slowest) + ")",
                                  baseline: "LIKE scan " + Format.milliseconds(like), ratio: Format.ratio(search / like),
                                  target: "≤ 50 ms", passed: quick ? nil : slowest <= 0.05)

        let recorded = W1LocalWrite.visits(visits)
        _ = try writeRate(Array(recorded.prefix(max(visits / 10, 20))), indexed: true)
        _ = try writeRate(Array(recorded.prefix(max(visits / 10, 20))), indexed: false)
        var with: [Double] = [], without: [Double] = []
        for _ in 0..<runs {
            without.append(try writeRate(recorded, indexed: false))
            with.append(try writeRate(recorded, indexed: true))
        }
        let indexed = Measure.median(with), bare = Measure.median(without)
        let perVisit = 1 / indexed - 1 / bare
        let writeRow = ReportRow(id: "W7 index on write", name: "\(Format.grouped(visits)) visits, 1 per txn",
                                 figure: Format.rate(indexed, "visits") + String(format: " (+%.3f ms)", perVisit * 1000),
                                 baseline: "no index " + Format.rate(bare, "visits"), ratio: Format.ratio(bare / indexed),
                                 target: "≤ 1.25× the time", passed: quick ? nil : bare / indexed <= 1.25)
        // Pulled changes: the same visits, made elsewhere, applied as a sync applies them (one transaction
        // per batch of 2,000).
        let source = try CaseStore(path: folder.path("source.sqlite"), author: "elsewhere", durability: .normal)
        try source.addCase(id: "W7-CASE", values: [("child", "Ann Lee"), ("dob", "2014-01-01"), ("category", "CIN")])
        for values in recorded { _ = try source.addVisit(caseID: "W7-CASE", values: values) }
        let changes = try source.pendingChanges(limit: visits + 1)
        _ = try pullRate(changes, indexed: true)
        var pulledWith: [Double] = [], pulledWithout: [Double] = []
        for _ in 0..<runs {
            pulledWithout.append(try pullRate(changes, indexed: false))
            pulledWith.append(try pullRate(changes, indexed: true))
        }
        let pulled = Measure.median(pulledWith), pulledBare = Measure.median(pulledWithout)
        let pullRow = ReportRow(id: "W7 index on pull", name: "\(Format.grouped(visits)) visits, 2,000 per txn",
                                figure: Format.rate(pulled, "visits") + String(format: " (+%.3f ms)", (1 / pulled - 1 / pulledBare) * 1000),
                                baseline: "no index " + Format.rate(pulledBare, "visits"), ratio: Format.ratio(pulledBare / pulled),
                                target: "(reported)", passed: nil)
        return [searchRow, writeRow, pullRow]
    }

    /// Visits per second applied from pulled changes, in batches of 2,000, with or without the index.
    private static func pullRate(_ changes: [Change], indexed: Bool) throws -> Double {
        let folder = try ScratchFolder(indexed ? "w7-pull-indexed" : "w7-pull-bare")
        let store = try CaseStore(path: folder.path("device.sqlite"), author: "bench")
        if !indexed { try dropIndexTriggers(store) }
        let seconds = try Measure.seconds {
            var cursor: UInt64 = 0
            for start in stride(from: 0, to: changes.count, by: 2_000) {
                let batch = Array(changes[start..<min(start + 2_000, changes.count)])
                cursor += UInt64(batch.count)
                try store.applyPulled(batch, receivedAt: [:], cursor: cursor)
            }
        }
        return Double(changes.count - 1) / seconds
    }

    /// The store as it wrote before v9: the index's tables stay, nothing keeps them in step.
    private static func dropIndexTriggers(_ store: CaseStore) throws {
        try store.database.write { db in
            for trigger in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'search%'") {
                try db.execute(sql: "DROP TRIGGER \(trigger)")
            }
        }
    }

    /// What finding the words costs without the index: every note's body read and matched with LIKE.
    private static func scan(_ store: CaseStore, _ query: String) throws -> Int {
        let words = query.split(separator: " ").map { "%\($0)%" }
        let condition = words.map { _ in "json_extract(fields, '$.body') LIKE ?" }.joined(separator: " AND ")
        return try store.database.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM record WHERE type = 'note' AND \(condition)",
                             arguments: StatementArguments(words)) ?? 0
        }
    }

    /// Visits per second recorded through the Store (W1's visits, WAL, synchronous=FULL), with the search
    /// index kept in step or, with its triggers dropped, as the store wrote before v9.
    private static func writeRate(_ visits: [[(key: String, value: String)]], indexed: Bool) throws -> Double {
        let folder = try ScratchFolder(indexed ? "w7-indexed" : "w7-bare")
        let store = try CaseStore(path: folder.path("device.sqlite"), author: "bench")
        try store.addCase(id: "W7-CASE", values: [("child", "Ann Lee"), ("dob", "2014-01-01"), ("category", "CIN")])
        if !indexed { try dropIndexTriggers(store) }
        let seconds = try Measure.seconds {
            for values in visits { _ = try store.addVisit(caseID: "W7-CASE", values: values) }
        }
        return Double(visits.count) / seconds
    }
}
