import Foundation
import Repl
import Store
import Testing

/// A running `sql` stops when the person asks (Ctrl-C at a terminal), and the session carries on. The
/// interpreter driven through `ScriptedIO` on a real store file, its interruption standing for Ctrl-C.
@Suite struct SQLInterruptionTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fieldbook-interrupt-\(UUID().uuidString)")

    @Test func ctrlCStopsARunningQueryAndTheSessionCarriesOn() throws {
        let store = try CaseStore(path: folder.appendingPathComponent("sql.sqlite").path, author: "sam.okafor")
        let started = Date()
        let io = ScriptedIO(lines: ["sql WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r",
                                    "cases"])
        io.interruption = { Date().timeIntervalSince(started) > 0.5 }
        _ = Interpreter(store: store, io: io, keepGoing: true).run()
        let elapsed = Date().timeIntervalSince(started)
        #expect(io.errors.contains("error: line 1: the query was interrupted before it finished"), "\(io.errors)")
        #expect(elapsed < 3, "stopped within moments of the request, not at the time limit: \(elapsed) s")
        #expect(io.output.contains("(0 rows)"), "the next command runs")
    }
}
