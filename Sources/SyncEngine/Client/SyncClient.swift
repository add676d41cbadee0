import Foundation
import Store
import SwiftProtobuf

/// What one sync did.
public struct SyncSummary: Sendable, Equatable {
    public var pushed = 0
    public var pulled = 0
    /// The version of council rules received in this sync, if new ones came.
    public var rulesVersion: UInt64?
    /// Conflicted fields in the store after the sync.
    public var conflicts = 0
    /// Changes the peer quarantined in this sync.
    public var rejected = 0
    public var purgedCases: [String] = []
    /// This device's clock minus the central peer's, in milliseconds, when further apart than the
    /// tolerance (changes pushed meanwhile are flagged); `nil` when the clocks agree.
    public var clockSkew: Int64?
    /// What arrived for this device's user: cases, oversight, amendments, changes by others.
    public var arrivals = SyncArrivals()

    public var line: String { "pushed \(pushed), pulled \(pulled), conflicts \(conflicts), rejected \(rejected)" }
}

/// Progress of a running sync, for the terminal's progress line.
public struct SyncProgress: Sendable {
    public let phase: String
    public let records: Int
    public let bytes: Int
}

/// The client side of the protocol: enrolment, then syncs of push-then-pull (SPEC.md §3, §6).
///
/// Every step commits before the next starts: receipts after each push batch, each pulled batch with its
/// cursor. A sync killed anywhere resumes from the last commit; changes sent again are recognised by id.
public struct SyncClient: Sendable {
    public let store: CaseStore
    public let transport: any SyncTransport
    public var pushBatch = 500
    public var pullBatch = 1000

    public init(store: CaseStore, transport: any SyncTransport) {
        self.store = store
        self.transport = transport
    }

    /// Exchanges a single-use enrolment code for this device's token and saves it in the store.
    public func enrol(serverURL: String, code: String, deviceName: String) async throws -> Fieldbook_V1_EnrolResponse {
        var request = Fieldbook_V1_EnrolRequest()
        request.code = code
        request.deviceID = store.deviceID
        request.deviceName = deviceName
        request.protocolVersion = ProtocolLimits.version
        let response = try await call("/v1/enrol", request, token: nil, as: Fieldbook_V1_EnrolResponse.self)
        try store.saveEnrolment(serverURL: serverURL, token: response.token, user: response.user, role: response.role,
                                team: response.team.isEmpty ? nil : response.team)
        return response
    }

    /// Pushes every pending change, then pulls until the peer has nothing more, then purges cases that
    /// left this device's caseload.
    public func sync(progress: @Sendable (SyncProgress) -> Void = { _ in }) async throws -> SyncSummary {
        let state = try store.syncState()
        guard state.isEnrolled, let token = state.token else { throw SyncError.notEnrolled }
        var summary = SyncSummary()
        var bytes = 0
        FaultPoint.reached("client-before-push")
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
        var arrived: Set<String> = []
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
        // A stale case (revoked, or purge held back by unsent work) that got nothing in this complete pull
        // is not allocated to us: purge it once nothing of ours on it waits to be sent. One allocated back
        // arrived whole in this pull and is no longer stale.
        for caseID in Set(try store.staleCases()).subtracting(arrived).sorted() where try store.purgeCase(caseID) {
            summary.purgedCases.append(caseID)
        }
        try store.markSynced()
        summary.conflicts = try store.conflictCount()
        return summary
    }

    /// The longest prefix of `pending` (at least one change) whose list elements fit one message
    /// (``ProtocolLimits/maximumMessageElements``); the rest go in the next push.
    static func withinElementLimit(_ pending: [Change]) -> [Change] {
        var elements = 0
        var count = 0
        for change in pending {
            elements += change.wireElements
            if count > 0 && elements > ProtocolLimits.maximumMessageElements { break }
            count += 1
        }
        return Array(pending.prefix(count))
    }

    /// This device's clock minus the peer's when beyond the tolerance; `nil` when they agree or the peer
    /// did not say (an older peer).
    static func skew(deviceTime: Date, serverTimeMs: Int64) -> Int64? {
        guard serverTimeMs != 0 else { return nil }
        let skew = ClockSkew.difference(Timestamp.milliseconds(deviceTime), serverTimeMs)
        return ClockSkew.exceeds(skew, ProtocolLimits.clockSkewTolerance) ? skew : nil
    }

    private func call<M: BoundedMessage>(_ path: String, _ message: some SwiftProtobuf.Message, token: String?, as type: M.Type) async throws -> M {
        try await callSized(path, body: try MessageCodec.encode(message), token: token, as: type).0
    }

    private func call<M: BoundedMessage>(_ path: String, body: [UInt8], token: String?, as type: M.Type) async throws -> M {
        try await callSized(path, body: body, token: token, as: type).0
    }

    private func callSized<M: BoundedMessage>(_ path: String, body: [UInt8], token: String?, as type: M.Type) async throws -> (M, Int) {
        let answer: (status: Int, body: [UInt8])
        do {
            answer = try await transport.post(path: path, body: body, token: token)
        } catch let error as SyncError {
            throw error
        } catch {
            throw SyncError.unreachable("\(error)")
        }
        guard answer.status == 200 else {
            if let refusal = try? MessageCodec.decode(Fieldbook_V1_ErrorResponse.self, from: answer.body) {
                throw SyncError.refused(ProtocolError(refusal.code, status: answer.status, refusal.message))
            }
            throw SyncError.badAnswer("HTTP \(answer.status)")
        }
        do {
            return (try MessageCodec.decode(type, from: answer.body), answer.body.count)
        } catch let error as ProtocolError {
            throw SyncError.badAnswer(error.message)
        }
    }
}
