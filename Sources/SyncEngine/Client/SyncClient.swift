import Foundation
import Store
import SwiftProtobuf
import SyncProtocol

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

/// Which protocol a ``SyncClient`` speaks.
public enum SyncProtocolVersion: UInt32, Sendable {
    /// `/v1/push` then `/v1/pull` (SPEC.md §3): for peers that serve only version 1.
    case v1 = 1
    /// `/v2/sync` (SPEC.md §12): push and pull in one round trip, compact changes, no echoes.
    case v2 = 2
}

/// The client side of the protocol: enrolment, then syncs (SPEC.md §3, §6, §12).
///
/// Every step commits before the next starts: receipts after each push batch, each pulled batch with its
/// cursor. A sync killed anywhere resumes from the last commit; changes sent again are recognised by id.
public struct SyncClient: Sendable {
    public let store: CaseStore
    public let transport: any SyncTransport
    public var pushBatch = 500
    public var pullBatch = 1000
    /// The protocol the client speaks: version 2 (`/v2/sync`, SPEC.md §12) unless set to version 1 for a
    /// peer that serves only `/v1/` (and so that tests keep exercising it).
    public var protocolVersion = SyncProtocolVersion.v2

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
        request.protocolVersion = protocolVersion.rawValue
        let response: Fieldbook_V1_EnrolResponse
        do {
            response = try await call(protocolVersion == .v1 ? "/v1/enrol" : "/v2/enrol", request, token: nil,
                                      as: Fieldbook_V1_EnrolResponse.self)
        } catch let error as SyncError where protocolVersion == .v2 && error.isMissingEndpoint {
            // A peer that serves only version 1 (SPEC.md §9): enrol there; syncs fall back the same way.
            request.protocolVersion = SyncProtocolVersion.v1.rawValue
            response = try await call("/v1/enrol", request, token: nil, as: Fieldbook_V1_EnrolResponse.self)
        }
        try store.saveEnrolment(serverURL: serverURL, token: response.token, user: response.user, role: response.role,
                                team: response.team.isEmpty ? nil : response.team)
        return response
    }

    /// Pushes every pending change and pulls until the peer has nothing more (version 1: push, then pull;
    /// version 2: both in each round trip), then purges cases that left this device's caseload.
    public func sync(progress: @Sendable (SyncProgress) -> Void = { _ in }) async throws -> SyncSummary {
        let state = try store.syncState()
        guard state.isEnrolled, let token = state.token else { throw SyncError.notEnrolled }
        var summary = SyncSummary()
        var arrived: Set<String> = []
        var marked = false
        FaultPoint.reached("client-before-push")
        switch protocolVersion {
        case .v1: try await syncV1(token: token, summary: &summary, arrived: &arrived, progress: progress)
        case .v2:
            do {
                marked = try await syncV2(token: token, summary: &summary, arrived: &arrived, progress: progress)
            } catch let error as SyncError where error.isMissingEndpoint && summary == SyncSummary() {
                // A peer that serves only version 1 answers /v2/sync with 404 before doing anything: sync with
                // version 1 instead, so that a device upgraded before its peer keeps working.
                try await syncV1(token: token, summary: &summary, arrived: &arrived, progress: progress)
            }
        }
        // A stale case (revoked, or purge held back by unsent work) that got nothing in this complete pull
        // is not allocated to us: purge it once nothing of ours on it waits to be sent. One allocated back
        // arrived whole in this pull and is no longer stale.
        for caseID in Set(try store.staleCases()).subtracting(arrived).sorted() where try store.purgeCase(caseID) {
            summary.purgedCases.append(caseID)
        }
        // Version 2 records the time with its last answer, in the same commit; a purge since moves it on.
        if !marked || !summary.purgedCases.isEmpty { try store.markSynced() }
        summary.conflicts = try store.conflictCount()
        return summary
    }

    /// The longest prefix of `pending` (at least one change) whose list elements fit one message
    /// (``ProtocolLimits/maximumMessageElements``); the rest go in the next push.
    ///
    /// - Parameter tables: count the entries of a v2 message's device and author tables too (each distinct
    ///   device id and author the changes name is one element, SPEC.md §12.7).
    static func withinElementLimit(_ pending: [Change], tables: Bool = false) -> [Change] {
        var elements = 0
        var count = 0
        var named: Set<String> = []
        for change in pending {
            elements += change.wireElements
            if tables {
                elements += change.tableNames.filter { named.insert($0).inserted }.count
            }
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

    func call<M: BoundedMessage>(_ path: String, _ message: some SwiftProtobuf.Message, token: String?, as type: M.Type) async throws -> M {
        try await callSized(path, body: try MessageCodec.encode(message), token: token, as: type).0
    }

    func call<M: BoundedMessage>(_ path: String, body: [UInt8], token: String?, as type: M.Type) async throws -> M {
        try await callSized(path, body: body, token: token, as: type).0
    }

    func callSized<M: BoundedMessage>(_ path: String, body: [UInt8], token: String?, as type: M.Type) async throws -> (M, Int) {
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
