import Store
import SyncProtocol

/// Where the central peer keeps users, devices, allocations, the central log and the quarantine.
///
/// ``CentralPeer`` holds every rule; a storage only stores and answers. Every method is `async`: an engine
/// may wait on a network (PostgreSQL) or on its one writer (SQLite) without holding a thread.
public protocol CentralStorage: Sendable {
    // Users and devices
    func addUser(_ user: CentralUser, now: String) async throws
    func users() async throws -> [CentralUser]
    func user(named name: String) async throws -> CentralUser?
    func addEnrolmentCode(hash: String, user: String, now: String, expiresAt: String) async throws
    /// Marks the code used and registers the device, atomically; `nil` if the code is unknown, used or
    /// expired. Throws ``ProtocolError/conflict(_:)`` if the device id is enrolled already.
    func redeemEnrolmentCode(hash: String, deviceID: String, deviceName: String, tokenHash: String, now: String) async throws -> CentralUser?
    /// The device holding a token (revoked devices included: the caller decides).
    func device(tokenHash: String) async throws -> CentralDevice?
    func devices() async throws -> [CentralDevice]
    func revokeDevice(_ id: String, now: String) async throws -> Bool
    func touchDevice(_ id: String, now: String) async throws

    /// Enrolment attempts that failed from one client address: shared by every instance of the peer, so
    /// that guessing codes through several instances is throttled as through one. `nil`: none remembered.
    func enrolmentFailures(from address: String) async throws -> (count: Int, last: String)?
    /// Counts a failed enrolment from `address` at `now`, and forgets addresses whose last failure was
    /// before `forgetBefore` (the table stays bounded).
    func recordEnrolmentFailure(from address: String, now: String, forgetBefore: String) async throws
    func clearEnrolmentFailures(from address: String) async throws

    // Cases
    /// The id of the device under which the peer's own changes (cases added, allocations, records copied
    /// out of quarantine) enter the log: one per database, made when the storage was created.
    func peerDeviceID() async throws -> String
    /// A record's merged state, outside any intake (what an administrator's command checks first).
    func record(_ recordID: String) async throws -> RecordState?
    func allocations(of caseID: String) async throws -> [Allocation]
    /// Cases whose current worker is one of `workers`.
    func cases(allocatedTo workers: Set<String>) async throws -> Set<String>

    // Sync
    /// Runs `body` in one durable write transaction: everything it stores commits together or not at all.
    /// An engine that may fail a transaction for a conflict with another (serialization failure, deadlock)
    /// runs `body` again, so `body` must have no effect outside the intake it is given.
    func intake<T: Sendable>(_ body: @Sendable (any CentralIntake) async throws -> T) async throws -> T
    /// The changes of `cases` after `cursor`, in log order, at most `limit`; and the log's top cursor as
    /// seen by the same read. With `own`, that device's changes are left out except those it lacks
    /// (SPEC.md §12.4: no echoes).
    func changes(after cursor: UInt64, in cases: Set<String>, limit: Int, leavingOut own: OwnChanges?) async throws -> (changes: [LoggedChange], top: UInt64)
    /// When each of `ids` entered the central log, with its flagged clock skew; ids not in the log are
    /// left out.
    func logged(_ ids: [ChangeID]) async throws -> [ChangeID: (receivedAt: String, clockSkew: Int64?)]
    /// The lowest cursor of any change of `cases`.
    func firstCursor(of cases: Set<String>) async throws -> UInt64?
    /// The log's top cursor: the position of the last change stored (0 for an empty log).
    func topCursor() async throws -> UInt64
    /// One case's changes after `cursor`, in log order, at most `limit` (read by the case, not by a walk of
    /// the log).
    func changes(of caseID: String, after cursor: UInt64, limit: Int) async throws -> [LoggedChange]
    /// The cursor of a case's first change after `cursor`, if any.
    func nextCursor(of caseID: String, after cursor: UInt64) async throws -> UInt64?
    /// The sealed segments of a case that begin after `cursor`, in log order, at most `limit`.
    func segments(of caseID: String, after cursor: UInt64, limit: Int) async throws -> [CaseSegment]
    /// Where a case's last sealed segment ends (0 if it has none).
    func sealedThrough(of caseID: String) async throws -> UInt64
    /// Stores sealed segments, in one transaction; one already stored from the same cursor is kept (segments
    /// are built the same way from the same changes, so two peers sealing at once build the same bytes).
    func storeSegments(_ segments: [CaseSegment]) async throws
    /// Forgets a case's sealed segments, to be built again from the log.
    func deleteSegments(of caseID: String) async throws
    /// Audits a pull: `sent` is how many changes of each case went to `device` of `user`.
    func recordCustody(device: String, user: String, sent: [String: Int], purgeRequested: Set<String>, purged: Set<String>, now: String) async throws

    /// Every device that has held a case, in the order they first received it.
    func custody(of caseID: String) async throws -> [Custody]
    /// Every pull that sent changes of a case, oldest first (the last `limit`, if given).
    func pulls(of caseID: String, limit: Int?) async throws -> [PullAudit]

    // Council rules
    /// The rules in force: the latest version stored, or the shipped defaults (version 0).
    func rules() async throws -> CouncilRules
    /// Stores `rules` as the next version, atomically: fails if another administrator saved a version
    /// since `rules` was read, so no change is lost.
    func saveRules(_ rules: CouncilRules, by: String, change: String, now: String) async throws
    /// Every saved version, oldest first.
    func rulesHistory() async throws -> [RulesChange]

    // Quarantine
    func quarantine(state: QuarantineEntry.State?) async throws -> [QuarantineEntry]
    func quarantineEntry(_ id: Int64) async throws -> QuarantineEntry?
    func resolveQuarantine(_ id: Int64, state: QuarantineEntry.State, by: String, note: String?, now: String) async throws
}

extension CentralStorage {
    /// Every change of `cases` after `cursor`, the device's own included (SPEC.md §3.4).
    public func changes(after cursor: UInt64, in cases: Set<String>, limit: Int) async throws -> (changes: [LoggedChange], top: UInt64) {
        try await changes(after: cursor, in: cases, limit: limit, leavingOut: nil)
    }

    /// Every pull that sent changes of a case, oldest first.
    public func pulls(of caseID: String) async throws -> [PullAudit] {
        try await pulls(of: caseID, limit: nil)
    }
}

/// A device's own changes, which a v2 pull leaves out (the device made them) except those it says it lacks:
/// changes of cases it purged, and changes the peer quarantined and an administrator may have released.
public struct OwnChanges: Sendable {
    public let deviceID: String
    public let lacking: SeqRanges

    public init(deviceID: String, lacking: SeqRanges) {
        self.deviceID = deviceID
        self.lacking = lacking
    }
}

/// The operations of one push's transaction.
///
/// Reads come in bulk (a push's ids, records, cases and users each in one call) and accepted changes are
/// written together: an engine across a network answers a push in a few round trips, not a few per change.
/// ``AdmissionView`` keeps what a push read and accepted in memory in between.
public protocol CentralIntake: Sendable {
    func chainHead(of deviceID: String) async throws -> (seq: Int64, hash: String)?
    func setChainHead(of deviceID: String, seq: Int64, hash: String) async throws
    /// What the peer holds of each of `ids`: accepted into the log, or quarantined after its own device
    /// pushed it (what other devices pushed under its id does not count). Ids it holds nothing of are left
    /// out.
    func received(_ ids: [ChangeID]) async throws -> [ChangeID: ReceivedChange]
    /// The merged state of each of `ids` in the central replica; records no accepted change made are left
    /// out.
    func records(_ ids: Set<String>) async throws -> [String: RecordState]
    /// The record with its amendments (an amendment's target).
    func snapshot(_ recordID: String) async throws -> RecordSnapshot?
    /// The record as the author of a finalisation saw it: merged from the changes it seals.
    func record(sealedBy finalisation: Change) async throws -> RecordState?
    /// The allocations of each of `cases`, oldest first; cases never allocated are left out.
    func allocations(of cases: Set<String>) async throws -> [String: [Allocation]]
    /// The users of `names`; unknown names are left out.
    func users(named names: Set<String>) async throws -> [String: CentralUser]
    /// Stores accepted changes in the log, in order, and merges each into its record.
    func accept(_ changes: [AcceptedChange]) async throws
    func quarantine(_ change: Change, pushedBy device: String, reason: String, now: String) async throws -> Int64
    /// Ends the case's open allocation at `at` and, with a worker, opens one to them: a case has at most one
    /// open allocation.
    func allocate(_ caseID: String, to worker: String?, at: String, reason: String?, by: String) async throws
}

/// A change the peer accepted: when it received it (its own clock), and how far the pushing device's clock
/// was from the peer's, where beyond the tolerance (SPEC.md §3.10).
public struct AcceptedChange: Sendable {
    public let change: Change
    public let receivedAt: String
    public let clockSkew: Int64?

    public init(_ change: Change, receivedAt: String, clockSkew: Int64? = nil) {
        self.change = change
        self.receivedAt = receivedAt
        self.clockSkew = clockSkew
    }
}

/// A storage's failure, in the storage protocol's own terms: whatever the engine, the peer answers the same.
public enum CentralStorageError: Error, Equatable, CustomStringConvertible {
    /// No space left: nothing of the failed write was kept. The peer answers `503 storage_full`.
    case full
    /// The transaction lost to a concurrent one (a serialization failure or a deadlock) and was rolled
    /// back; running it again may succeed. The peer retries an intake a few times before giving up.
    case conflict(String)
    /// The engine could not be reached or answered an error that is not the request's fault.
    case unavailable(String)

    public var description: String {
        switch self {
        case .full: return "the central peer's storage is full"
        case .conflict(let why): return "the transaction conflicted with another and was rolled back (\(why))"
        case .unavailable(let why): return "the central peer's storage is unavailable (\(why))"
        }
    }
}

/// What the peer holds of a change id.
public enum ReceivedChange: Sendable, Equatable {
    case accepted(hash: String)
    case quarantined(hash: String, reason: String, id: Int64)
}
