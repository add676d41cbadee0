import Central
import CentralSQLite
import ClientSync
import Foundation
import Store
import SyncProtocol

/// A transport that notes every exchange: its path, the bytes of the request and answer bodies, and the
/// cursor the device's store held when the request left (which shows a prefetch: the next request leaves
/// before the current batch, and its cursor, are committed).
final class RecordingTransport: SyncTransport, @unchecked Sendable {
    struct Exchange {
        let path: String
        let sent: Int
        let received: Int
        let cursorAtSend: UInt64
        let nextCursor: UInt64?
        /// The segments of a `/v2/sync` answer, as sent (SPEC.md §12.6).
        var segments: [[UInt8]] = []
    }

    let inner: any SyncTransport
    var store: CaseStore?
    private let lock = NSLock()
    private var recorded: [Exchange] = []

    init(inner: any SyncTransport) { self.inner = inner }

    var exchanges: [Exchange] { lock.withLock { recorded } }

    func reset() { lock.withLock { recorded = [] } }

    func post(path: String, body: [UInt8], token: String?) async throws -> (status: Int, body: [UInt8]) {
        let cursor = (try? store?.syncState().cursor) ?? 0
        let answer = try await inner.post(path: path, body: body, token: token)
        let response = path == "/v2/sync" ? try? MessageCodec.decode(Fieldbook_V2_SyncResponse.self, from: answer.body) : nil
        lock.withLock {
            recorded.append(Exchange(path: path, sent: body.count, received: answer.body.count, cursorAtSend: cursor,
                                     nextCursor: response?.nextCursor, segments: response?.segments.map { Array($0) } ?? []))
        }
        return answer
    }
}
