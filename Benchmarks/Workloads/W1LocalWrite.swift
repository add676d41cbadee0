import Foundation
import GRDB
import Store

/// W1: recording visits one per transaction through the Store (validation, change capture, hash chain,
/// projection), beside the same visits inserted as plain rows with GRDB, one per transaction, with the
/// same durability (WAL, synchronous=FULL).
enum W1LocalWrite {
    static func run(visits count: Int, runs: Int, quick: Bool) throws -> ReportRow {
        let visits = Self.visits(count)
        _ = try storeRate(Array(visits.prefix(max(count / 10, 20))))
        _ = try rawRate(Array(visits.prefix(max(count / 10, 20))))
        var ours: [Double] = [], raw: [Double] = []
        for _ in 0..<runs {
            raw.append(try rawRate(visits))
            ours.append(try storeRate(visits))
        }
        let figure = Measure.median(ours), baseline = Measure.median(raw)
        let ratio = baseline / figure
        return ReportRow(id: "W1 local write", name: "\(Format.grouped(count)) visits, 1 per txn", figure: Format.rate(figure, "visits"),
                         baseline: "raw GRDB insert " + Format.rate(baseline, "rows"), ratio: Format.ratio(ratio),
                         target: "≤ 2× raw insert time", passed: quick ? nil : ratio <= 2)
    }

    static func visits(_ count: Int) -> [[(key: String, value: String)]] {
        var prose = Prose(seed: 101)
        return (0..<count).map { n in
            [("date", String(format: "2025-%02d-%02d", 1 + n % 12, 1 + n % 28)), ("type", "planned"), ("seen", "yes"), ("alone", "yes"),
             ("location", "foster home"), ("wishes", prose.text(length: 200)), ("observations", prose.text(length: 900)),
             ("analysis", prose.text(length: 350)), ("actions", prose.text(length: 150))]
        }
    }

    private static func storeRate(_ visits: [[(key: String, value: String)]]) throws -> Double {
        let folder = try ScratchFolder("w1")
        let store = try CaseStore(path: folder.path("device.sqlite"), author: "bench")
        try store.addCase(id: "W1-CASE", values: [("child", "Ann Lee"), ("dob", "2014-01-01"), ("category", "CIN")])
        let seconds = try Measure.seconds {
            for values in visits { _ = try store.addVisit(caseID: "W1-CASE", values: values) }
        }
        return Double(visits.count) / seconds
    }

    private static func rawRate(_ visits: [[(key: String, value: String)]]) throws -> Double {
        let folder = try ScratchFolder("w1-raw")
        var configuration = Configuration()
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        let pool = try DatabasePool(path: folder.path("raw.sqlite"), configuration: configuration)
        let columns = visits.first?.map(\.key) ?? []
        try pool.write { db in
            try db.execute(sql: "CREATE TABLE visit (id TEXT PRIMARY KEY, case_id TEXT, "
                           + columns.map { "\"\($0)\" TEXT" }.joined(separator: ", ") + ")")
        }
        let sql = "INSERT INTO visit VALUES (?, ?, " + columns.map { _ in "?" }.joined(separator: ", ") + ")"
        let seconds = try Measure.seconds {
            for values in visits {
                try pool.write { db in
                    try db.execute(sql: sql, arguments: StatementArguments([UUID().uuidString, "W1-CASE"] + values.map(\.value)))
                }
            }
        }
        return Double(visits.count) / seconds
    }
}
