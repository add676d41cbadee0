import Store

/// The rules a pushed change must meet to enter the central log (SPEC.md §6). A change that fails one is
/// quarantined with the reason; nothing is dropped.
struct ChangeAdmission {
    let device: CentralDevice
    let user: CentralUser
    let intake: any CentralIntake
    let now: String
    /// Device clock minus peer clock for this push, when beyond the tolerance: flagged on every change
    /// accepted from it.
    var clockSkew: Int64? = nil
    /// Trust at the edges: how far ahead of the peer's clock a change's HLC may be (rule 6a).
    var clockLead: ClockLead? = nil

    enum Outcome {
        case accepted
        case duplicate
        case quarantined(reason: String, id: Int64)
    }

    func admit(_ change: Change) throws -> Outcome {
        guard change.id.deviceID == device.id else {
            return try quarantine(change, "it was made on device \(change.id.deviceID) but pushed by device \(device.id); a device pushes only its own changes")
        }
        switch try intake.received(change.id) {
        case .accepted(let hash)?:
            if hash == change.hash { return .duplicate }
            return try quarantine(change, "a different change with the id \(change.id) was received before (replay or forgery)")
        case .quarantined(let hash, let reason, let id)?:
            // Sent again (its answer was lost): the same verdict, not a second entry.
            if hash == change.hash { return .quarantined(reason: reason, id: id) }
            return try quarantine(change, "a different change with the id \(change.id) was received before (replay or forgery)")
        case nil:
            break
        }
        let head = try intake.chainHead(of: device.id) ?? (seq: 0, hash: Change.genesisHash)
        guard change.id.seq == head.seq + 1 else {
            return try quarantine(change, "out of order: the next change expected from this device is number \(head.seq + 1)")
        }
        try intake.setChainHead(of: device.id, seq: change.id.seq, hash: change.hash)
        guard change.hashIsValid else { return try quarantine(change, "its hash does not match its content") }
        guard change.previousHash == head.hash else {
            return try quarantine(change, "it does not continue this device's hash chain (previous hash differs)")
        }
        // Trust at the edges (rule 6a): a clock far ahead is refused before it can spread or overflow.
        if let reason = clockLead?.refusal(of: change.hlc) { return try quarantine(change, reason) }
        if let reason = try refusal(of: change) { return try quarantine(change, reason) }
        try intake.accept(change)
        if let clockSkew { try intake.flagClockSkew(change.id, milliseconds: clockSkew) }
        return .accepted
    }

    private func quarantine(_ change: Change, _ reason: String) throws -> Outcome {
        .quarantined(reason: reason, id: try intake.quarantine(change, pushedBy: device.id, reason: reason, now: now))
    }

    /// Why the change's content or access is refused, or `nil` if it is admissible.
    private func refusal(of change: Change) throws -> String? {
        guard change.author == user.name else {
            return "its author \(change.author) is not this device's user \(user.name)"
        }
        let schema = change.recordType.schema
        let allowed = schema.storedNames
        if let stray = change.writes.first(where: { !allowed.contains($0.field) }) {
            return "\(change.recordType.rawValue) has no field \(stray.field)"
        }
        let writesStatus = change.write(to: RecordSchema.statusField) != nil
        guard Set(change.writes.map(\.field)).count == change.writes.count else { return "it writes a field twice" }
        let facts = try intake.record(change.recordID)
        switch change.kind {
        case .create:
            if facts != nil { return "record \(change.recordID) exists already" }
            if change.recordType == .case { return "cases are added by an administrator" }
            if change.recordType == .oversight, user.role != .supervisor {
                return "management oversight is recorded by a supervisor"
            }
            let expected = change.recordType.isFinalOnSave ? RecordStatus.final : .draft
            guard change.write(to: RecordSchema.statusField)?.value == expected.rawValue else {
                return "a new \(change.recordType.rawValue) must have status \(expected.rawValue)"
            }
        case .edit:
            if writesStatus { return "an edit cannot change a record's status" }
        case .finalise, .delete:
            let expected = change.kind == .finalise ? RecordStatus.final : .deleted
            guard change.write(to: RecordSchema.statusField)?.value == expected.rawValue else {
                return "a \(change.kind.rawValue) must write status \(expected.rawValue)"
            }
            let allowed: Set<String> = change.kind == .finalise ? [RecordSchema.statusField] : [RecordSchema.statusField, RecordSchema.deleteReasonField]
            if let stray = change.writes.first(where: { !allowed.contains($0.field) }) { return "a \(change.kind.rawValue) cannot write \(stray.field)" }
        case .resolve:
            if facts?.isTerminal == true {
                guard user.role == .supervisor else { return "only a supervisor can resolve a conflict on a final record" }
            } else {
                guard user.role == .supervisor || facts?.creator == user.name else {
                    return "only a supervisor or the record's author can resolve its conflicts"
                }
            }
            if change.write(to: RecordSchema.statusField)?.value == RecordStatus.draft.rawValue {
                return "a resolution cannot reopen a record (status draft)"
            }
        }
        if change.kind != .create {
            guard let facts else { return "no record \(change.recordID) on the central peer" }
            guard facts.type == change.recordType, facts.caseID == change.caseID else {
                return "it names record \(change.recordID) as a \(change.recordType.rawValue) of case \(change.caseID), but it is a \(facts.type.rawValue) of case \(facts.caseID)"
            }
        }
        if change.recordType == .case, change.write(to: "worker") != nil {
            return "cases are allocated by an administrator (fieldbook admin assign)"
        }
        return try accessRefusal(caseID: change.caseID, at: change.recordedAt)
    }

    /// A user may write to a case they hold (a supervisor: any case held in their team), or to a case they
    /// held when the change was recorded, so work done before a reallocation still lands in the record.
    private func accessRefusal(caseID: String, at recordedAt: String) throws -> String? {
        let allocations = try intake.allocations(of: caseID)
        guard !allocations.isEmpty else { return "no case \(caseID) is allocated on the central peer" }
        let current = allocations.last { $0.to == nil }
        if current?.worker == user.name { return nil }
        if user.role == .supervisor, let team = user.team, let worker = current?.worker,
           try intake.user(named: worker)?.team == team {
            return nil
        }
        if allocations.contains(where: { $0.worker == user.name && $0.from <= recordedAt && ($0.to.map { recordedAt < $0 } ?? true) }) {
            return nil
        }
        return "case \(caseID) is not allocated to \(user.name)" + (current.map { " (it is allocated to \($0.worker))" } ?? "")
    }
}
