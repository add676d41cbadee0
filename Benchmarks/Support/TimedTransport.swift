import Central
import CentralSQLite
import ClientSync
import Foundation
import SyncProtocol

/// A transport that times each request by path around another transport: W4's phase breakdown (how much of
/// a sync is the round trip of each request, and how much is the client's own work).
final class TimedTransport: SyncTransport, @unchecked Sendable {
    let base: any SyncTransport
    private let lock = NSLock()
    private var timings: [String: [Double]] = [:]

    init(_ base: any SyncTransport) { self.base = base }

    func post(path: String, body: [UInt8], token: String?) async throws -> (status: Int, body: [UInt8]) {
        let started = DispatchTime.now().uptimeNanoseconds
        defer {
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            lock.withLock { timings[path, default: []].append(seconds) }
        }
        return try await base.post(path: path, body: body, token: token)
    }

    /// Seconds spent in requests to `path` since the last reset.
    func total(_ path: String) -> Double { lock.withLock { (timings[path] ?? []).reduce(0, +) } }

    func reset() { lock.withLock { timings = [:] } }
}
