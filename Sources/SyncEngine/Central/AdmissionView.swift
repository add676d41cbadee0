import Store
import SyncProtocol

/// What one push's admission reads and writes, held in memory for the push: read from the intake in bulk
/// before the first change is judged, and written to it together after the last.
///
/// ``ChangeAdmission`` asks for a chain head, a change id, a record, a case's allocations or a user once or
/// more for each change. Asked of the intake one by one, that was seven visits to the storage per change
/// (each a hop to SQLite's writer, or a round trip to PostgreSQL). Here a push costs a few bulk reads and
/// one write, whatever its size; what the view cannot answer from memory (an amendment's target, the record
/// a finalisation's author saw, a quarantine's number) is asked of the intake after what is pending was
/// written, so the intake's answer includes it.
///
/// One view serves one intake transaction, in one task.
final class AdmissionView {
    let intake: any CentralIntake
    private var heads: [String: (seq: Int64, hash: String)?] = [:]
    private var receivedChanges: [ChangeID: ReceivedChange] = [:]
    /// Ids whose state is in `receivedChanges` (absent there: the peer holds nothing of them).
    private var knownIDs: Set<ChangeID> = []
    private var recordStates: [String: RecordState] = [:]
    /// Records known to have no accepted change.
    private var absentRecords: Set<String> = []
    private var caseAllocations: [String: [Allocation]] = [:]
    private var knownUsers: [String: CentralUser?] = [:]
    private var pendingChanges: [AcceptedChange] = []
    private var pendingHeads: [String: (seq: Int64, hash: String)] = [:]

    init(intake: any CentralIntake) {
        self.intake = intake
    }

    /// Reads what judging `changes` pushed by `user` from `deviceID` needs: a handful of bulk reads.
    func load(_ changes: [Change], from deviceID: String, by user: String) async throws {
        heads[deviceID] = try await intake.chainHead(of: deviceID)
        let ids = changes.map(\.id)
        receivedChanges = try await intake.received(ids)
        knownIDs = Set(ids)
        let recordIDs = Set(changes.map(\.recordID))
        recordStates = try await intake.records(recordIDs)
        absentRecords = recordIDs.subtracting(recordStates.keys)
        let cases = Set(changes.map(\.caseID))
        caseAllocations = try await intake.allocations(of: cases)
        for caseID in cases where caseAllocations[caseID] == nil { caseAllocations[caseID] = [] }
        let workers = Set(caseAllocations.values.joined().map(\.worker)).union([user])
        let users = try await intake.users(named: workers)
        for name in workers { knownUsers[name] = users[name] }
    }

    func chainHead(of deviceID: String) async throws -> (seq: Int64, hash: String)? {
        if let head = heads[deviceID] { return head }
        let head = try await intake.chainHead(of: deviceID)
        heads[deviceID] = head
        return head
    }

    func setChainHead(of deviceID: String, seq: Int64, hash: String) {
        heads[deviceID] = (seq, hash)
        pendingHeads[deviceID] = (seq, hash)
    }

    func received(_ id: ChangeID) async throws -> ReceivedChange? {
        if knownIDs.contains(id) { return receivedChanges[id] }
        let found = try await intake.received([id])[id]
        knownIDs.insert(id)
        receivedChanges[id] = found
        return found
    }

    func record(_ recordID: String) async throws -> RecordState? {
        if let state = recordStates[recordID] { return state }
        if absentRecords.contains(recordID) { return nil }
        try await flush()
        let state = try await intake.records([recordID])[recordID]
        if let state { recordStates[recordID] = state } else { absentRecords.insert(recordID) }
        return state
    }

    func snapshot(_ recordID: String) async throws -> RecordSnapshot? {
        try await flush()
        return try await intake.snapshot(recordID)
    }

    func record(sealedBy finalisation: Change) async throws -> RecordState? {
        try await flush()
        return try await intake.record(sealedBy: finalisation)
    }

    func allocations(of caseID: String) async throws -> [Allocation] {
        if let allocations = caseAllocations[caseID] { return allocations }
        let allocations = try await intake.allocations(of: [caseID])[caseID] ?? []
        caseAllocations[caseID] = allocations
        return allocations
    }

    func user(named name: String) async throws -> CentralUser? {
        if let user = knownUsers[name] { return user }
        let user = try await intake.users(named: [name])[name]
        knownUsers[name] = user
        return user
    }

    /// Accepts a change: kept in memory, merged into the record as the view holds it, and written with the
    /// others at the next ``flush()``.
    func accept(_ change: Change, receivedAt: String, clockSkew: Int64?) {
        pendingChanges.append(AcceptedChange(change, receivedAt: receivedAt, clockSkew: clockSkew))
        knownIDs.insert(change.id)
        receivedChanges[change.id] = .accepted(hash: change.hash)
        var state = recordStates[change.recordID]
            ?? (absentRecords.contains(change.recordID) ? RecordState(recordID: change.recordID, recordType: change.recordType, caseID: change.caseID) : nil)
        absentRecords.remove(change.recordID)
        state?.apply(change)
        // A state the view cannot carry on from (one that needs its history replayed, or one never read)
        // is read again from the intake, after the flush, when next asked for.
        if let merged = state, !merged.needsReplay {
            recordStates[change.recordID] = merged
        } else {
            recordStates[change.recordID] = nil
        }
    }

    func quarantine(_ change: Change, pushedBy device: String, reason: String, now: String) async throws -> Int64 {
        try await flush()
        let id = try await intake.quarantine(change, pushedBy: device, reason: reason, now: now)
        if device == change.id.deviceID {
            knownIDs.insert(change.id)
            if receivedChanges[change.id] == nil {
                receivedChanges[change.id] = .quarantined(hash: change.hash, reason: reason, id: id)
            }
        }
        return id
    }

    /// Writes what was accepted and the chain heads set since the last flush.
    func flush() async throws {
        if !pendingChanges.isEmpty {
            try await intake.accept(pendingChanges)
            pendingChanges = []
        }
        for (deviceID, head) in pendingHeads.sorted(by: { $0.key < $1.key }) {
            try await intake.setChainHead(of: deviceID, seq: head.seq, hash: head.hash)
        }
        pendingHeads = [:]
    }
}
