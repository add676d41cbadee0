import Foundation
import Testing

/// `sql` is held to its time limit whatever the query does, and Ctrl-C at the terminal stops it: the real
/// binary, on a real store, through a pipe and in a real pseudo-terminal.
@Suite struct SQLLimitTests {
    let binary: FieldbookBinary
    let scratch: Scratch
    let store: String

    init() throws {
        binary = try FieldbookBinary()
        scratch = try Scratch()
        store = scratch.path("s.sqlite")
        let made = try binary.run(["--store", store, "--user", "sam", "-c", "case add LA-1 child=Jo dob=2015-01-01 category=CIN"])
        #expect(made.status == 0, "\(made.errors)")
    }

    /// Runs one `sql` command; a run that outlives `patience` is killed, so a regression fails instead of hanging.
    private func timedQuery(_ query: String, patience: TimeInterval = 25) throws -> (result: FieldbookBinary.Result, seconds: Double) {
        let process = binary.process(["--store", store, "-c", "sql \(query)"], environment: [:])
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let started = Date()
        try process.run()
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + patience, execute: watchdog)
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        watchdog.cancel()
        return (FieldbookBinary.Result(status: process.terminationStatus, output: String(decoding: out, as: UTF8.self),
                                       errors: String(decoding: err, as: UTF8.self)), Date().timeIntervalSince(started))
    }

    @Test func theRecursiveZeroblobQueryEndsAtTheLimitWithAClearMessage() throws {
        let (result, seconds) = try timedQuery(
            "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM r) SELECT count(zeroblob(1000000)) FROM r")
        #expect(result.status == 1)
        #expect(result.errors == "error: line 1: the query ran for more than 10 seconds and was stopped\n")
        #expect(seconds < 13, "\(seconds) s")
    }

    /// Most steps of this query work on a 16 MB string: it ran for minutes (killed at 60 s) when the limit
    /// was checked only every 10,000 steps. And one expression can hold many such values at once: the
    /// memory SQLite may take for a query is bounded too.
    @Test func aQueryWhoseEveryStepIsSlowOrHugeEndsWithinItsLimits() throws {
        let term = "length(replace(replace(replace(hex(zeroblob(8000000 + n)), '0', '1'), '1', '2'), '2', '3'))"
        func query(terms: Int) -> String {
            "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM r) SELECT count(*) FROM r WHERE "
                + Array(repeating: term, count: terms).joined(separator: " + ") + " = 0"
        }
        let (slow, seconds) = try timedQuery(query(terms: 2))
        #expect(slow.errors == "error: line 1: the query ran for more than 10 seconds and was stopped\n")
        #expect(seconds < 13, "\(seconds) s")
        let (wide, widening) = try timedQuery(query(terms: 10))
        #expect(wide.errors == "error: line 1: the query needs more than 256 MiB of memory and was stopped: ask for less at once (fewer or smaller values per row)\n")
        #expect(widening < 5, "\(widening) s")
        let (huge, quick) = try timedQuery("SELECT length(hex(zeroblob(100000000)))")
        #expect(huge.errors == "error: line 1: a value in the query would be larger than 16 MiB, the most sql handles: ask for less (substr, length, LIMIT)\n")
        #expect(quick < 5)
    }

    @Test func ctrlCStopsARunningQueryAndThePromptReturns() throws {
        let terminal = try TmuxTerminal([binary.url.path, "--store", store, "--user", "sam"], width: 140,
                                        environment: ["TZ": "UTC", "NO_COLOR": "1"])
        try terminal.waitFor("fieldbook> ")
        try terminal.line("sql WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM r) SELECT count(zeroblob(1000000)) FROM r")
        Thread.sleep(forTimeInterval: 1)
        let pressed = Date()
        try terminal.press("C-c")
        try terminal.waitFor("^C\nerror: the query was interrupted before it finished\nfieldbook> ", timeout: 3)
        #expect(Date().timeIntervalSince(pressed) < 3)
        try terminal.line("cases")
        try terminal.waitFor("(1 row)")
        try terminal.press("C-d")
        try terminal.waitForExit()
    }
}
