import Foundation

extension FieldbookBinary {
    /// Runs the binary and kills it with SIGKILL after `seconds` if it is still running: a laptop lid closed,
    /// a battery gone, a process killed at a random point. The result's status is 9 when the kill landed.
    func run(_ arguments: [String], killAfter seconds: Double, environment: [String: String] = [:]) throws -> Result {
        let process = process(arguments, environment: environment)
        let stdout = Pipe(), stderr = Pipe()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        RunningProcess(process).kill(after: seconds)
        let outData = stdout.fileHandleForReading.readDataToEndOfFile()
        let errData = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: String(decoding: outData, as: UTF8.self),
                      errors: String(decoding: errData, as: UTF8.self))
    }
}

/// A child to kill later from another thread; only while it still runs, so a process id the system has
/// reused is never signalled (ids are handed out in sequence, so reuse within the delay is not a concern).
struct RunningProcess: @unchecked Sendable {
    let process: Process

    init(_ process: Process) { self.process = process }

    func kill(after seconds: Double) {
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) {
            if process.isRunning { _ = Foundation.kill(process.processIdentifier, SIGKILL) }
        }
    }
}

extension RunningServer {
    /// Kills the server with SIGKILL after `seconds`, as a crash or power cut would.
    func kill(after seconds: Double) { RunningProcess(process).kill(after: seconds) }
}
