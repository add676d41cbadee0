import Foundation

/// A process's resident memory, read from Linux's `/proc/PID/status`: what the tests and the benchmarks
/// report and bound. 0 where it cannot be read.
public enum ProcessMemory {
    /// The most resident memory the process has used (VmHWM), in bytes; `nil` means this process.
    public static func peakBytes(of pid: Int32? = nil) -> Int { status("VmHWM:", pid) }

    /// The process's resident memory now (VmRSS), in bytes.
    public static func residentBytes(of pid: Int32? = nil) -> Int { status("VmRSS:", pid) }

    private static func status(_ key: String, _ pid: Int32?) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(pid.map(String.init) ?? "self")/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix(key) }) else { return 0 }
        return (Int(line.split(whereSeparator: \.isWhitespace).dropFirst().first ?? "") ?? 0) * 1024
    }
}
