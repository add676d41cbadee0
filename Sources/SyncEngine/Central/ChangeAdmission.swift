import Store
import SyncProtocol

/// The rules a pushed change must meet to enter the central log (SPEC.md §6). A change that fails one is
/// quarantined with the reason; nothing is dropped.
struct ChangeAdmission {
    let device: CentralDevice
    let user: CentralUser
    let view: AdmissionView
    let now: String
    /// Device clock minus peer clock for this push, when beyond the tolerance: flagged on every change
    /// accepted from it.
    var clockSkew: Int64? = nil
    /// Trust at the edges: how far ahead of the peer's clock a change's HLC may be (rule 6a).
    var clockLead: ClockLead? = nil

    enum Outcome: Sendable {
        case accepted
        case duplicate
        case quarantined(reason: String, id: Int64)
    }

    func admit(_ change: Change) async throws -> Outcome {
        guard change.id.deviceID == device.id else {
            return try await quarantine(change, "it was made on device \(change.id.deviceID) but pushed by device \(device.id); a device pushes only its own changes")
        }
        let head = try await view.chainHead(of: device.id) ?? (seq: 0, hash: Change.genesisHash)
        let earlier = try await view.received(change.id)
        if change.id.seq <= head.seq {
            switch earlier {
            case .accepted(let hash)? where hash == change.hash:
                return .duplicate
            case .quarantined(let hash, let reason, let id)? where hash == change.hash:
                // Sent again (its answer was lost): the same verdict, not a second entry.
                return .quarantined(reason: reason, id: id)
            default:
                return try await quarantine(change, "a different change with the id \(change.id) was received before (replay or forgery)")
            }
        }
        guard change.id.seq == head.seq + 1 else {
            // A gap never enters the chain: the change is kept, and its number stays free for the real one.
            if case .quarantined(let hash, let reason, let id)? = earlier, hash == change.hash {
                return .quarantined(reason: reason, id: id)
            }
            return try await quarantine(change, "out of order: the next change expected from this device is number \(head.seq + 1)")
        }
        view.setChainHead(of: device.id, seq: change.id.seq, hash: change.hash)
        guard change.hashIsValid else { return try await quarantine(change, "its hash does not match its content") }
        guard change.previousHash == head.hash else {
            return try await quarantine(change, "it does not continue this device's hash chain (previous hash differs)")
        }
        // Trust at the edges (rule 6a): a clock far ahead is refused before it can spread or overflow.
        if let reason = clockLead?.refusal(of: change.hlc) { return try await quarantine(change, reason) }
        if let reason = try await refusal(of: change) { return try await quarantine(change, reason) }
        view.accept(change, receivedAt: now, clockSkew: clockSkew)
        return .accepted
    }

    private func quarantine(_ change: Change, _ reason: String) async throws -> Outcome {
        .quarantined(reason: reason, id: try await view.quarantine(change, pushedBy: device.id, reason: reason, now: now))
    }

    /// Why the change's shape, content or access is refused, or `nil` if it is admissible. The shape (which
    /// fields each kind of change writes) is checked here; who may do what is ``ChangePolicy``'s, the same
    /// table the device's store asked before writing the change.
    private func refusal(of change: Change) async throws -> String? {
        guard change.author == user.name else {
            return "its author \(change.author) is not this device's user \(user.name)"
        }
        if let problem = ChangeShape.problem(with: change) { return problem }
        let record = try await view.record(change.recordID)
        if let record, record.recordType != change.recordType || record.caseID != change.caseID {
            return "record \(change.recordID) is not a \(change.recordType.rawValue) of case \(change.caseID)"
        }
        let role: ChangePolicy.Role = user.role == .supervisor ? .supervisor : .worker
        let access = try await access(to: change.caseID, at: change.recordedAt)
        // The table reads other records through closures, which cannot await the view: what it may read
        // (an amendment's target, the record a finalisation's author saw) is read first.
        let targetID = change.kind == .create && change.recordType == .amendment ? change.write(to: "target_id")?.value : nil
        var target: RecordSnapshot?
        if let targetID { target = try await view.snapshot(targetID) }
        let sealedView = change.kind == .finalise ? try await view.record(sealedBy: change) : nil
        let refusal = ChangePolicy.check(change, role: role, access: access, record: record,
                                         target: { $0 == targetID ? target : nil }, sealedView: { _ in sealedView })
        return refusal?.reason
    }

    /// The user's access to a case: allocated to them now or when the change was recorded (so work done
    /// before a reallocation still lands in the record), or, for a supervisor, held in their team.
    private func access(to caseID: String, at recordedAt: String) async throws -> ChangePolicy.Access {
        let allocations = try await view.allocations(of: caseID)
        let current = allocations.last { $0.to == nil }
        if current?.worker == user.name { return .allocated }
        if allocations.contains(where: { $0.worker == user.name && $0.from <= recordedAt && ($0.to.map { recordedAt < $0 } ?? true) }) {
            return .allocated
        }
        if user.role == .supervisor, let team = user.team, let worker = current?.worker,
           try await view.user(named: worker)?.team == team {
            return .team
        }
        return .none
    }
}
