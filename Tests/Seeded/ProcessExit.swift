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
