import Foundation
import Store
import Testing
@testable import Repl

/// Issue 12, feature 5: what an analyst expects from sqlite3 and psql, on a real store file.
@Suite struct AnalystCommandsTests {
    let folder: URL
    let store: CaseStore

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("fieldbook-analyst-\(UUID().uuidString)")
        store = try CaseStore(path: folder.appendingPathComponent("store.sqlite").path, author: "sam.okafor",
                              timeZone: TimeZone(identifier: "UTC") ?? .current)
        _ = try store.addCase(id: "LA-1", values: [("child", "Jay Brooks"), ("dob", "2015-03-09"), ("category", "CIN"),
                                                   ("plan_start", "2026-10-01")])
        _ = try store.addVisit(caseID: "LA-1", values: [("date", "2026-11-19"), ("type", "planned"),
                                                        ("wishes", "wants to see his brother\nand his nan")])
    }

    private func run(_ lines: [String]) -> (status: Int32, io: ScriptedIO) {
        let io = ScriptedIO(lines: lines)
        return (Interpreter(store: store, io: io).run(), io)
    }

    @Test func tablesAndSchemaListTheViewsAndTheirColumns() {
        let (status, io) = run([".tables", ".schema visits", "\\d cases", ".mode csv", ".schema"])
        #expect(status == 0, "\(io.errors)")
        for view in ReadOnlyViews.names { #expect(io.output.contains(view), "\(view) listed") }
        let lines = io.output.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("visits ") && $0.hasSuffix("2  case_id") }, "\(io.output)")
        #expect(lines.contains { $0.hasPrefix("cases ") && $0.hasSuffix("1  case_id") })
        #expect(io.output.contains("view,position,column\r\namendments,1,id\r\n"), "every view in csv: \(io.output)")
        let (_, bad) = run([".schema record"])
        #expect(bad.errors.contains("no view 'record': the views are amendments, cases"), "only the documented views: \(bad.errors)")
    }

    @Test func helpHasPsqlsAlias() {
        let (status, io) = run(["\\?", "\\? sql"])
        #expect(status == 0)
        #expect(io.output.contains("Commands (help COMMAND for details):"))
        #expect(io.output.contains("usage: sql SELECT ..."))
    }

    @Test func lineModeShowsEachRowAsColumnEqualsValue() {
        let (status, io) = run([".mode line", "sql SELECT case_id, wishes FROM visits", "sql SELECT case_id FROM visits WHERE 0"])
        #expect(status == 0, "\(io.errors)")
        #expect(io.output.contains("case_id = LA-1\n wishes = wants to see his brother\n          and his nan\n"), "\(io.output)")
        #expect(io.output.hasSuffix("(0 rows)\n"), "no rows says so")
    }

    @Test func headingsEvenForNoRows() {
        let (_, io) = run(["sql SELECT case_id, wishes FROM visits WHERE 0", ".mode csv", "sql SELECT case_id, wishes FROM visits WHERE 0"])
        #expect(io.output.contains("case_id  wishes\n-------  ------\n(0 rows)\n"))
        #expect(io.output.hasSuffix("case_id,wishes\r\n"))
    }

    @Test func aQueryOverSeveralLinesEndsWithASemicolon() {
        let (status, io) = run([".mode csv", "sql", "SELECT case_id,", "  count(*) AS visits", "FROM visits GROUP BY case_id;",
                                "sql SELECT case_id, count(*) AS n FROM", "visits", "GROUP BY case_id;",
                                "sql SELECT 1 AS one"])
        #expect(status == 0, "\(io.errors)")
        #expect(io.output == "case_id,visits\r\nLA-1,1\r\ncase_id,n\r\nLA-1,1\r\none\r\n1\r\n", "\(io.output)")
        let (unfinished, cut) = run(["sql SELECT case_id FROM", "visits"])
        #expect(unfinished == 1 && cut.errors.contains("the query ended without ';': nothing ran"))
    }

    @Test func unfinishedMeansPlainlyUnfinished() {
        #expect(SQLContinuation.isUnfinished(""))
        #expect(SQLContinuation.isUnfinished("SELECT * FROM"))
        #expect(SQLContinuation.isUnfinished("SELECT a,"))
        #expect(SQLContinuation.isUnfinished("SELECT (1 + "))
        #expect(SQLContinuation.isUnfinished("SELECT 'it''s"))
        #expect(SQLContinuation.isUnfinished("SELECT * FROM visits WHERE seen = 1 AND"))
        #expect(!SQLContinuation.isUnfinished("SELECT * FROM visits"), "one line is one query, as before")
        #expect(!SQLContinuation.isUnfinished("SELECT * FROM visits;"))
        #expect(!SQLContinuation.isEnded("SELECT ';"), "a semicolon inside a quote ends nothing")
    }

    @Test func outputSendsResultsToANewPrivateFile() throws {
        let path = folder.appendingPathComponent("visits.csv").path
        let (status, io) = run([".mode csv", ".output \(path)", "sql SELECT case_id FROM visits;", ".output", "sql SELECT 2 AS two"])
        #expect(status == 0, "\(io.errors)")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "case_id\r\nLA-1\r\n")
        #expect(io.output == "two\r\n2\r\n", "after .output alone, results come back to the screen: \(io.output)")
        #expect(io.errors.contains("results go to \(path) until .output"))
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let (again, refused) = run([".output \(path)", "sql SELECT 3"])
        #expect(again == 1 && refused.errors.contains("exists already"), "a result never overwrites a file: \(refused.errors)")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "case_id\r\nLA-1\r\n")
        // A file left open at the end of a script is closed with everything in it.
        let open = folder.appendingPathComponent("open.txt").path
        _ = run([".output \(open)", "sql SELECT 'kept' AS word"])
        #expect(try String(contentsOfFile: open, encoding: .utf8).contains("kept"))
    }
}
