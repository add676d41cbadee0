import Foundation
import Store
import SwiftProtobuf
import SyncProtocol

extension SyncClient {
    /// Version 2's sync (SPEC.md §12.5): each `/v2/sync` round trip pushes a batch of pending changes and
    /// pulls a batch; its receipts, the batch and its cursor commit in one transaction (and, in the last
    /// answer, the time of the sync), so a sync killed anywhere resumes from the last commit, and a sync of
    /// one new visit waits for the disk once. Once nothing is left to push, the next pull is sent before the
    /// current batch is applied (prefetch), and its answer is used only if the store, once the batch is
    /// applied, says what the prefetched request said.
    ///
    /// - Returns: whether the time of the sync was recorded with the last answer.
    @discardableResult
    func syncV2(token: String, summary: inout SyncSummary, arrived: inout Set<String>,
                progress: @Sendable (SyncProgress) -> Void) async throws -> Bool {
        var bytes = 0
        var purged = try store.unreportedPurges()
        var prefetched: (state: PullState, answer: Task<PrefetchedAnswer, any Error>)?
        defer { prefetched?.answer.cancel() }
        while true {
            let pending = Self.withinElementLimit(try store.pendingChanges(limit: pushBatch), tables: true)
            let state = try PullState.read(store)
            let response: Fieldbook_V2_SyncResponse
            var decoded: Result<PulledBatch, any Error>?
            if pending.isEmpty, purged.isEmpty, let prefetch = prefetched, prefetch.state == state {
                let answer = try await prefetch.answer.value
                prefetched = nil
                response = answer.response
                decoded = answer.batch
                bytes += answer.size
            } else {
                prefetched?.answer.cancel()
                prefetched = nil
                let body = try MessageCodec.encode(try request(pushing: pending, state: state, purged: purged))
                let (answer, size) = try await callSized("/v2/sync", body: body, token: token, as: Fieldbook_V2_SyncResponse.self)
                response = answer
                bytes += body.count + size
            }
            var receipts: [PushReceipt] = []
            if !pending.isEmpty {
                FaultPoint.reached("client-after-push-response")
                receipts = try Self.receipts(response.results, for: pending)
                summary.pushed += pending.count
                summary.rejected += receipts.filter { $0.status == .quarantined }.count
                progress(SyncProgress(phase: "push", records: summary.pushed, bytes: bytes))
                FaultPoint.reached("client-between-push-batches")
            }
            try store.markPurgesReported(purged)
            purged = []
            FaultPoint.reached("client-after-pull-response")
            summary.clockSkew = Self.skew(deviceTime: store.wallClock, serverTimeMs: response.serverTimeMs)
            // What was pushed is stored at the peer whatever its pull answer says: when the pulled part cannot be
            // kept, the receipts still are, in a commit of their own, so those changes are not sent again.
            let store = self.store
            func keepingReceipts<T>(_ body: () throws -> T) throws -> T {
                do {
                    return try body()
                } catch {
                    if !receipts.isEmpty { try? store.recordReceipts(receipts) }
                    throw error
                }
            }
            let batch = try keepingReceipts { try decoded?.get() ?? Self.batch(of: response, held: Set(state.held)) }
            let arrival = state.arrival.after(received: batch.segmentEnds, arrived: response.arrivedCases,
                                              horizon: response.arrivalHorizon)
            let rules: CouncilRules? = try keepingReceipts {
                do {
                    return response.hasRules ? try response.rules.decoded() : nil
                } catch {
                    throw SyncError.badAnswer("the council rules sent cannot be used (\(error)); nothing of this batch was kept")
                }
            }
            // The receipts of this push commit with the batch below: until then its changes still count as pending.
            let pushesLeft = try store.pendingCount() > pending.count
            if response.more, !pushesLeft {
                // Prefetch: ask for the next batch now, stating what the store will hold once this one is in.
                let next = state.after(batch.changes, revoked: response.purgeCases, rules: rules, cursor: response.nextCursor,
                                       arrival: arrival, caseRecords: Set(try store.caseIDs()), stale: Set(try store.staleCases()),
                                       deviceID: store.deviceID)
                let body = try MessageCodec.encode(try request(pushing: [], state: next, purged: []))
                bytes += body.count
                let client = self
                // The answer is also read (inflated, decoded into changes) in that task, on the other core,
                // while this one applies the current batch: reading was a third of the client's CPU in W2.
                prefetched = (next, Task {
                    let (answer, size) = try await client.callSized("/v2/sync", body: body, token: token, as: Fieldbook_V2_SyncResponse.self)
                    return PrefetchedAnswer(response: answer, size: size,
                                            batch: Result { try Self.batch(of: answer, held: Set(next.held)) })
                })
                // Let the request leave (the task runs until the transport awaits the network) before the batch
                // takes this thread for its transaction.
                await Task.yield()
            }
            do {
                var arrivals = SyncArrivals()
                summary.pulled += try keepingReceipts {
                    try store.applySyncAnswer(receipts: receipts, pulled: batch.changes, receivedAt: batch.receivedAt,
                                              cursor: response.nextCursor, revoked: response.purgeCases, rules: rules,
                                              clockSkews: batch.clockSkews,
                                              arrival: arrival == state.arrival ? nil : arrival,
                                              finishing: !response.more && !pushesLeft,
                                              arrivals: { arrivals = $0 })
                }
                summary.arrivals.merge(arrivals)
            } catch let refusal as ChangeApplier.Refusal {
                throw SyncError.badAnswer("\(refusal)")
            }
            if let rules { summary.rulesVersion = rules.version }
            arrived.formUnion(batch.changes.map(\.caseID))
            progress(SyncProgress(phase: "pull", records: summary.pulled, bytes: bytes))
            FaultPoint.reached("client-between-pull-batches")
            if !response.more && !pushesLeft { return true }
        }
    }

    /// A `SyncRequest` pushing `pending` (this device's, ascending seq) and pulling after `state`.
    func request(pushing pending: [Change], state: PullState, purged: [String]) throws -> Fieldbook_V2_SyncRequest {
        var request = Fieldbook_V2_SyncRequest()
        var encoder = V2ChangeEncoder()
        request.changes = pending.map { encoder.encode($0) }
        request.devices = encoder.tables.devices
        request.authors = encoder.tables.authors
        request.deviceTimeMs = Timestamp.milliseconds(store.wallClock)
        request.cursor = state.cursor
        request.maxChanges = UInt32(clamping: pullBatch)
        request.heldCases = state.held
        request.purgedCases = purged
        request.rulesVersion = state.rulesVersion
        request.rulesDigest = state.rulesDigest
        // Cases this device does not hold arrive by segment, and its cursor stays where it is (SPEC.md §12.6).
        request.acceptsSegments = true
        request.arrivalHorizon = state.arrival.horizon
        request.arriving = state.arrival.through.sorted { $0.key < $1.key }.map { caseID, through in
            var progress = Fieldbook_V2_CaseProgress()
            progress.caseID = caseID
            progress.through = through
            return progress
        }
        // A device with more gaps than a request may name asks for all its own changes, as version 1 sends.
        if state.lacking.ranges.count <= ProtocolLimits.maximumLackingRanges {
            request.lacking = state.lacking.wire
        } else {
            request.allOwn = true
        }
        return request
    }

    /// The receipts of one push, checked: one result per change sent, in order (SPEC.md §12.4).
    static func receipts(_ results: [Fieldbook_V2_PushResult], for pending: [Change]) throws -> [PushReceipt] {
        guard results.count == pending.count else {
            throw SyncError.badAnswer("the sync answer has \(results.count) push results for \(pending.count) changes sent")
        }
        return try zip(pending, results).map { change, result in
            switch result.status {
            case .accepted, .duplicate:
                let receivedAt: String?
                do {
                    receivedAt = result.hasReceivedAtText ? result.receivedAtText
                        : result.receivedAtMs == 0 ? nil : try WireTime.text(result.receivedAtMs, "received_at of \(change.id)")
                } catch let error as ProtocolError {
                    throw SyncError.badAnswer(error.message)
                }
                return PushReceipt(id: change.id, status: .accepted, receivedAt: receivedAt,
                                   clockSkew: result.clockSkewMs == 0 ? nil : result.clockSkewMs)
            case .quarantined:
                // Quarantine ids are positive 64-bit integers on every side (SPEC.md §3.3): a larger one is
                // not an answer this device can record, and converting it would trap.
                guard let quarantineID = Int64(exactly: result.quarantineID) else {
                    throw SyncError.badAnswer("the push answer gives quarantine id \(result.quarantineID), beyond 2^63 − 1")
                }
                return PushReceipt(id: change.id, status: .quarantined, reason: result.reason, quarantineID: quarantineID)
            case .UNRECOGNIZED(let value): throw SyncError.badAnswer("unknown push status \(value)")
            }
        }
    }

    /// The changes of a pull answer, with what the peer says of each.
    typealias PulledBatch = (changes: [Change], receivedAt: [ChangeID: String], clockSkews: [ChangeID: Int64],
                             segmentEnds: [(caseID: String, lastCursor: UInt64)])

    /// A prefetched answer, read ahead of its use; a batch it could not read fails only if the answer is used.
    struct PrefetchedAnswer: Sendable {
        let response: Fieldbook_V2_SyncResponse
        let size: Int
        let batch: Result<PulledBatch, any Error>
    }

    /// The pulled changes of an answer, read within every bound (SPEC.md §12.3, §12.6): those of its segments
    /// first, each segment's in log order, then its `changes`.
    ///
    /// - Parameter held: the cases the request said the device holds; a segment of one of them is refused
    ///   (segments bring only cases a device does not hold).
    static func batch(of response: Fieldbook_V2_SyncResponse, held: Set<String>) throws -> PulledBatch {
        do {
            var received: [DecodedChange] = []
            var segmentEnds: [(caseID: String, lastCursor: UInt64)] = []
            var budget = ProtocolLimits.maximumSegmentBytesPerAnswer
            for frame in response.segments {
                let segment = try ReceivedSegment.read(Array(frame), held: held, budget: &budget)
                received += segment.changes
                segmentEnds.append((segment.caseID, segment.lastCursor))
            }
            var decoder = try V2ChangeDecoder(devices: response.devices, authors: response.authors)
            for message in response.changes { received.append(try decoder.decode(message)) }
            var changes: [Change] = []
            var receivedAt: [ChangeID: String] = [:]
            var clockSkews: [ChangeID: Int64] = [:]
            changes.reserveCapacity(received.count)
            receivedAt.reserveCapacity(received.count)
            for item in received {
                changes.append(item.change)
                receivedAt[item.change.id] = item.receivedAt ?? ""
                if item.clockSkew != 0 { clockSkews[item.change.id] = item.clockSkew }
            }
            return (changes, receivedAt, clockSkews, segmentEnds)
        } catch let error as ProtocolError {
            throw SyncError.badAnswer(error.message)
        }
    }
}
