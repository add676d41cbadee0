import Seeded
import Foundation

/// Clocks, medians and the process's memory high-water mark.
enum Measure {
    /// Seconds taken by `body`.
    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    static func seconds(_ body: () async throws -> Void) async rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try await body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    /// The value below which `fraction` of `values` fall (nearest rank).
    static func percentile(_ values: [Double], _ fraction: Double) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((fraction * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }

    /// The most resident memory this process has used (Linux VmHWM), in bytes.
    static var peakResidentBytes: Int { ProcessMemory.peakBytes() }
    static var residentBytes: Int { ProcessMemory.residentBytes() }

    /// Starts a new high-water mark from the current resident size (Linux 4.0 and later).
    static func resetPeak() {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }

}

/// A folder for one run's files, removed at the end.
final class ScratchFolder {
    let url: URL
    init(_ name: String) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("fieldbook-bench-\(name)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    /// FIELDBOOK_BENCH_KEEP=1 keeps the stores for inspection (sqlite3, EXPLAIN QUERY PLAN).
    deinit {
        if ProcessInfo.processInfo.environment["FIELDBOOK_BENCH_KEEP"] == "1" { return }
        try? FileManager.default.removeItem(at: url)
    }
}
