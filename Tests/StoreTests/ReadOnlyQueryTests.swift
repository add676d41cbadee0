import Foundation
import Testing
@testable import Store

/// `sql` is read-only because SQLite refuses everything else, not because of string matching.
@Suite struct ReadOnlyQueryTests {
    let folder: TemporaryFolder
    let store: CaseStore

    init() throws {
        folder = try TemporaryFolder()
        store = try CaseStore.temporary(in: folder)
        try store.seedCase()
        _ = try store.addVisit(caseID: "LA-1001", values: [("date", "2026-11-19"), ("type", "statutory"), ("seen", "yes"), ("alone", "no")])
    }

    private func refusal(_ sql: String, timeLimit: Double = ReadOnlyQuery.timeLimit,
                         interrupted: @escaping @Sendable () -> Bool = { false }) -> String {
        do {
            _ = try ReadOnlyQuery.run(path: store.path, sql: sql, timeLimit: timeLimit, interrupted: interrupted)
            return "allowed"
        } catch {
            return "\(error)"
        }
    }

    @Test func theDocumentedViewsCanBeQueried() throws {
        let result = try ReadOnlyQuery.run(path: store.path, sql: "SELECT case_id, seen, seen_alone, status FROM visits")
        #expect(result.columns == ["case_id", "seen", "seen_alone", "status"])
        #expect(result.rows == [[.text("LA-1001"), .integer(1), .integer(0), .text("draft")]])
        for view in ReadOnlyViews.names {
            #expect(throws: Never.self) { try ReadOnlyQuery.run(path: store.path, sql: "SELECT * FROM \(view)") }
        }
        let joined = try ReadOnlyQuery.run(path: store.path, sql: """
            WITH recent AS (SELECT case_id, count(*) AS n FROM visits GROUP BY case_id)
            SELECT c.child_name, r.n FROM cases c JOIN recent r USING (case_id)
            """)
        #expect(joined.rows == [[.text("Jay Brooks"), .integer(1)]])
        let changes = try ReadOnlyQuery.run(path: store.path, sql: "SELECT kind, fields FROM changes ORDER BY seq")
        #expect(changes.rows.first == [.text("create"), .text("category,child_name,dob,placement_start,worker")])
    }

    @Test func writesAttachPragmasAndInternalTablesAreRefused() throws {
        let before = try store.changeCount()
        #expect(refusal("DELETE FROM change_log").contains("not authorized"))
        #expect(refusal("UPDATE record SET fields = '{}'").contains("not authorized"))
        #expect(refusal("INSERT INTO store_meta VALUES ('a', 'b')").contains("not authorized"))
        #expect(refusal("DROP VIEW visits").contains("not authorized"))
        #expect(refusal("CREATE TABLE x (y)").contains("not authorized"))
        #expect(refusal("ATTACH DATABASE '\(folder.path("other.sqlite"))' AS other").contains("not authorized"))
        #expect(refusal("PRAGMA writable_schema = 1").contains("not authorized"))
        #expect(refusal("SELECT * FROM change_log").contains("access to change_log.device_id is prohibited"))
        #expect(refusal("SELECT * FROM sqlite_master").contains("prohibited"))
        #expect(refusal("SELECT load_extension('/tmp/evil.so')").contains("not authorized"))
        #expect(refusal("BEGIN IMMEDIATE").contains("not authorized"))
        #expect(refusal("SELECT 1; DELETE FROM record") == "one statement at a time, please")
        #expect(refusal("SELECT * FROM nowhere").contains("no such table"))
        #expect(!FileManager.default.fileExists(atPath: folder.path("other.sqlite")))
        #expect(try store.changeCount() == before)
        #expect(try store.verify().isIntact)
    }

    @Test func largeResultsAreCutAtTheRowLimit() throws {
        let result = try ReadOnlyQuery.run(path: store.path, sql: """
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) SELECT i FROM n
            """)
        #expect(result.rows.count == ReadOnlyQuery.maximumRows)
        #expect(result.truncated)
    }

    /// Most steps of this query work on a 16 MB string, so SQLite's progress handler, called every
    /// 10,000 steps, came minutes apart: the query ran on long past its limit.
    @Test func aQueryIsStoppedAtItsTimeLimitHoweverSlowEachStep() throws {
        let term = "length(replace(replace(replace(hex(zeroblob(8000000 + n)), '0', '1'), '1', '2'), '2', '3'))"
        let started = Date()
        #expect(refusal("""
            WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r)
            SELECT count(*) FROM r WHERE \(term) + \(term) = 0
            """, timeLimit: 1) == "the query ran for more than 1 second and was stopped")
        #expect(Date().timeIntervalSince(started) < 4)
    }

    @Test func aQueryStopsWhenItsCallerAsks() throws {
        let started = Date()
        #expect(refusal("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(zeroblob(1000000)) FROM r",
                        interrupted: { Date().timeIntervalSince(started) > 0.3 }) == "the query was interrupted before it finished")
        #expect(Date().timeIntervalSince(started) < 2)
    }

    @Test func memoryIsBoundedPerValueAndForTheWholeResult() throws {
        #expect(refusal("SELECT length(zeroblob(100000000) || 'x')")
                == "a value in the query would be larger than 16 MiB, the most sql handles: ask for less (substr, length, LIMIT)")
        #expect(refusal("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r LIMIT 100) SELECT length(group_concat(printf('%.*c', 1000000, 'x'))) FROM r")
                .hasPrefix("a value in the query would be larger than 16 MiB"))
        let wide = try ReadOnlyQuery.run(path: store.path, sql: """
            WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r LIMIT 1000) SELECT printf('%.*c', 1000000, 'x') FROM r
            """)
        #expect(wide.truncation == .bytes)
        #expect(wide.rows.count == ReadOnlyQuery.maximumResultBytes / 1_000_000 + 1)
    }
}
