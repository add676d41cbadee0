import Foundation

/// The exit status of a child process that has finished writing its output, reaped with `waitpid`.
///
/// `Process.waitUntilExit` never returned, spinning a core, for `.ci/postgres.sh start` once the script had
/// started a server (whose processes outlive the script): seen in the bench and in the tests. The child is
/// reaped here directly; where Foundation reaped it first, its own status is read.
public func exitStatus(of process: Process) -> Int32 {
    var status: Int32 = 0
    if waitpid(process.processIdentifier, &status, 0) == process.processIdentifier {
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }
    while process.isRunning { usleep(10_000) }
    return process.terminationStatus
}

/// Runs `tool` to its end and returns its exit status and what it wrote, trimmed (the tests and the bench
/// start and use the throwaway PostgreSQL cluster with it: `.ci/postgres.sh`, `psql`).
public func runTool(_ tool: String, _ arguments: [String], environment: [String: String] = [:]) throws
    -> (status: Int32, output: String, errors: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: tool)
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let output = Pipe(), errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let out = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    let err = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    return (exitStatus(of: process), out.trimmingCharacters(in: .whitespacesAndNewlines), err)
}
