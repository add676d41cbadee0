import Central
import CentralSQLite
import ClientSync
import Foundation
import Store
import SyncProtocol
import Synchronization

/// A storage whose next intakes lose to a concurrent transaction: each runs its body on the real storage,
/// then fails with ``CentralStorageError/conflict(_:)`` so the real transaction is rolled back, as a
/// PostgreSQL serialization failure would. Everything else is the wrapped storage's. (A seam the peer owns:
/// the engine is real, only the conflict is made.)
final class ConflictingStorage: CentralStorage {
    let base: any CentralStorage
    private let remaining: Mutex<Int>

    init(_ base: any CentralStorage, conflicts: Int) {
        self.base = base
        remaining = Mutex(conflicts)
    }

    func conflict(times: Int) { remaining.withLock { $0 = times } }

    func intake<T: Sendable>(_ body: @Sendable (any CentralIntake) async throws -> T) async throws -> T {
        let conflicts = remaining.withLock { count -> Bool in
            guard count > 0 else { return false }
            count -= 1
            return true
        }
        guard conflicts else { return try await base.intake(body) }
        return try await base.intake { intake -> T in
            _ = try await body(intake)
            throw CentralStorageError.conflict("made by the test")
        }
    }

    func addUser(_ user: CentralUser, now: String) async throws { try await base.addUser(user, now: now) }
    func users() async throws -> [CentralUser] { try await base.users() }
    func user(named name: String) async throws -> CentralUser? { try await base.user(named: name) }
    func addEnrolmentCode(hash: String, user: String, now: String, expiresAt: String) async throws {
        try await base.addEnrolmentCode(hash: hash, user: user, now: now, expiresAt: expiresAt)
    }
    func redeemEnrolmentCode(hash: String, deviceID: String, deviceName: String, tokenHash: String, now: String) async throws -> CentralUser? {
        try await base.redeemEnrolmentCode(hash: hash, deviceID: deviceID, deviceName: deviceName, tokenHash: tokenHash, now: now)
    }
    func device(tokenHash: String) async throws -> CentralDevice? { try await base.device(tokenHash: tokenHash) }
    func devices() async throws -> [CentralDevice] { try await base.devices() }
    func revokeDevice(_ id: String, now: String) async throws -> Bool { try await base.revokeDevice(id, now: now) }
    func touchDevice(_ id: String, now: String) async throws { try await base.touchDevice(id, now: now) }
    func enrolmentFailures(from address: String) async throws -> (count: Int, last: String)? { try await base.enrolmentFailures(from: address) }
    func recordEnrolmentFailure(from address: String, now: String, forgetBefore: String) async throws {
        try await base.recordEnrolmentFailure(from: address, now: now, forgetBefore: forgetBefore)
    }
    func clearEnrolmentFailures(from address: String) async throws { try await base.clearEnrolmentFailures(from: address) }
    func peerDeviceID() async throws -> String { try await base.peerDeviceID() }
    func record(_ recordID: String) async throws -> RecordState? { try await base.record(recordID) }
    func allocations(of caseID: String) async throws -> [Allocation] { try await base.allocations(of: caseID) }
    func cases(allocatedTo workers: Set<String>) async throws -> Set<String> { try await base.cases(allocatedTo: workers) }
    func changes(after cursor: UInt64, in cases: Set<String>, limit: Int, leavingOut own: OwnChanges?) async throws -> (changes: [LoggedChange], top: UInt64) {
        try await base.changes(after: cursor, in: cases, limit: limit, leavingOut: own)
    }
    func logged(_ ids: [ChangeID]) async throws -> [ChangeID: (receivedAt: String, clockSkew: Int64?)] { try await base.logged(ids) }
    func firstCursor(of cases: Set<String>) async throws -> UInt64? { try await base.firstCursor(of: cases) }
    func topCursor() async throws -> UInt64 { try await base.topCursor() }
    func changes(of caseID: String, after cursor: UInt64, limit: Int) async throws -> [LoggedChange] {
        try await base.changes(of: caseID, after: cursor, limit: limit)
    }
    func nextCursor(of caseID: String, after cursor: UInt64) async throws -> UInt64? { try await base.nextCursor(of: caseID, after: cursor) }
    func segments(of caseID: String, after cursor: UInt64, limit: Int) async throws -> [CaseSegment] {
        try await base.segments(of: caseID, after: cursor, limit: limit)
    }
    func sealedThrough(of caseID: String) async throws -> UInt64 { try await base.sealedThrough(of: caseID) }
    func storeSegments(_ segments: [CaseSegment]) async throws { try await base.storeSegments(segments) }
    func deleteSegments(of caseID: String) async throws { try await base.deleteSegments(of: caseID) }
    func recordCustody(device: String, user: String, sent: [String: Int], purgeRequested: Set<String>, purged: Set<String>, now: String) async throws {
        try await base.recordCustody(device: device, user: user, sent: sent, purgeRequested: purgeRequested, purged: purged, now: now)
    }
    func custody(of caseID: String) async throws -> [Custody] { try await base.custody(of: caseID) }
    func pulls(of caseID: String, limit: Int?) async throws -> [PullAudit] { try await base.pulls(of: caseID, limit: limit) }
    func rules() async throws -> CouncilRules { try await base.rules() }
    func saveRules(_ rules: CouncilRules, by: String, change: String, now: String) async throws {
        try await base.saveRules(rules, by: by, change: change, now: now)
    }
    func rulesHistory() async throws -> [RulesChange] { try await base.rulesHistory() }
    func quarantine(state: QuarantineEntry.State?) async throws -> [QuarantineEntry] { try await base.quarantine(state: state) }
    func quarantineEntry(_ id: Int64) async throws -> QuarantineEntry? { try await base.quarantineEntry(id) }
    func resolveQuarantine(_ id: Int64, state: QuarantineEntry.State, by: String, note: String?, now: String) async throws {
        try await base.resolveQuarantine(id, state: state, by: by, note: note, now: now)
    }
}
