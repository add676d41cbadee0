import Foundation
import Store
import SwiftProtobuf
import SyncProtocol

extension SyncClient {
    /// Version 1's sync (SPEC.md §3.5): push every pending change in batches, recording each batch's
    /// receipts, then pull batches until the peer has nothing more, each applied with its cursor in one
    /// transaction. `arrived` collects the cases that received changes, for the purge step.
    func syncV1(token: String, summary: inout SyncSummary, arrived: inout Set<String>,
                progress: @Sendable (SyncProgress) -> Void) async throws {
        var bytes = 0
        while true {
            let pending = Self.withinElementLimit(try store.pendingChanges(limit: pushBatch))
            if pending.isEmpty { break }
            var request = Fieldbook_V1_PushRequest()
            request.changes = pending.map { Fieldbook_V1_Change($0) }
            request.deviceTimeMs = Timestamp.milliseconds(store.wallClock)
            let body = try MessageCodec.encode(request)
            bytes += body.count
            let response = try await call("/v1/push", body: body, token: token, as: Fieldbook_V1_PushResponse.self)
            FaultPoint.reached("client-after-push-response")
            let receipts = try response.results.map { result -> PushReceipt in
                let id = try result.id.decoded()
                switch result.status {
                case .accepted, .duplicate: return PushReceipt(id: id, status: .accepted)
                case .quarantined:
                    // Quarantine ids are positive 64-bit integers on every side (SPEC.md §3.3): a larger one is
                    // not an answer this device can record, and converting it would trap.
                    guard let quarantineID = Int64(exactly: result.quarantineID) else {
                        throw SyncError.badAnswer("the push answer gives quarantine id \(result.quarantineID), beyond 2^63 − 1")
                    }
                    return PushReceipt(id: id, status: .quarantined, reason: result.reason, quarantineID: quarantineID)
                case .UNRECOGNIZED(let value): throw SyncError.badAnswer("unknown push status \(value)")
                }
            }
            let answered = Set(receipts.map(\.id))
            guard pending.allSatisfy({ answered.contains($0.id) }) else {
                throw SyncError.badAnswer("the push answer does not cover every change sent")
            }
            try store.recordReceipts(receipts)
            summary.pushed += pending.count
            summary.rejected += receipts.filter { $0.status == .quarantined }.count
            progress(SyncProgress(phase: "push", records: summary.pushed, bytes: bytes))
            FaultPoint.reached("client-between-push-batches")
        }
        var purged = try store.unreportedPurges()
        while true {
            var request = Fieldbook_V1_PullRequest()
            request.cursor = try store.syncState().cursor
            request.maxChanges = UInt32(pullBatch)
            request.heldCases = try store.heldCases()
            request.purgedCases = purged
            let heldRules = try store.receivedCouncilRules()
            request.rulesVersion = heldRules?.version ?? 0
            request.rulesDigest = heldRules?.digest ?? ""
            let body = try MessageCodec.encode(request)
            bytes += body.count
            let (response, size) = try await callSized("/v1/pull", body: body, token: token, as: Fieldbook_V1_PullResponse.self)
            bytes += size
            try store.markPurgesReported(purged)
            purged = []
            FaultPoint.reached("client-after-pull-response")
            summary.clockSkew = Self.skew(deviceTime: store.wallClock, serverTimeMs: response.serverTimeMs)
            var receivedAt: [ChangeID: String] = [:]
            var clockSkews: [ChangeID: Int64] = [:]
            let changes = try response.changes.map { message -> Change in
                let change = try message.decoded()
                receivedAt[change.id] = message.receivedAt
                if message.clockSkewMs != 0 { clockSkews[change.id] = message.clockSkewMs }
                return change
            }
            let rules: CouncilRules?
            do {
                rules = response.hasRules ? try response.rules.decoded() : nil
            } catch {
                throw SyncError.badAnswer("the council rules sent cannot be used (\(error)); nothing of this batch was kept")
            }
            do {
                var batch = SyncArrivals()
                summary.pulled += try store.applyPulled(changes, receivedAt: receivedAt, cursor: response.nextCursor,
                                                        revoked: response.purgeCases, rules: rules, clockSkews: clockSkews,
                                                        arrivals: { batch = $0 })
                summary.arrivals.merge(batch)
            } catch let refusal as ChangeApplier.Refusal {
                throw SyncError.badAnswer("\(refusal)")
            }
            if let rules { summary.rulesVersion = rules.version }
            arrived.formUnion(changes.map(\.caseID))
            progress(SyncProgress(phase: "pull", records: summary.pulled, bytes: bytes))
            FaultPoint.reached("client-between-pull-batches")
            if !response.more { break }
        }
    }
}
