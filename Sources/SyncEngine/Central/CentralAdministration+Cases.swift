import Store
import SyncProtocol

extension CentralAdministration {
    /// Adds a case and, with a worker, allocates it to them: one change and its allocation, committed
    /// together.
    public func addCase(id: String, values: [(key: String, value: String)], worker: String?) async throws {
        if let worker { try await requireWorker(worker) }
        let writes = try AdministrativeChange.newCase(id: id, values: values, worker: worker, context: ValueContext(now: peer.clock()))
        let (now, actor) = (now, actor)
        try await appendOwnChange(recordID: id, type: .case, caseID: id, kind: .create, then: { intake in
            if let worker { try await intake.allocate(id, to: worker, at: now, reason: "case added", by: actor) }
        }) { record in
            guard record == nil else { throw StoreError.caseExists(id) }
            return writes
        }
    }

    /// Allocates a case to `worker`, ending the current allocation, and records it on the case: one change
    /// and the allocation, committed together.
    public func assign(caseID: String, to worker: String, reason: String?) async throws {
        try await requireWorker(worker)
        try await requireCase(caseID)
        let (now, actor) = (now, actor)
        try await appendOwnChange(recordID: caseID, type: .case, caseID: caseID, kind: .edit, then: { intake in
            try await intake.allocate(caseID, to: worker, at: now, reason: reason, by: actor)
        }) { record in
            guard let record else { throw CentralAdminError("no case \(caseID)") }
            return AdministrativeChange.worker(worker, of: record)
        }
    }

    /// Appends one change of the peer's own device to the central log, built by `writes` from the record's
    /// state as the intake holds it, then runs `then` in the same transaction. Run again, from the state
    /// again, if the intake conflicts with another.
    @discardableResult
    func appendOwnChange(recordID: String, type: RecordType, caseID: String, kind: ChangeKind,
                         then: @escaping @Sendable (any CentralIntake) async throws -> Void = { _ in },
                         writes: @escaping @Sendable (RecordState?) throws -> [FieldWrite]) async throws -> Change {
        let device = try await storage.peerDeviceID()
        let (actor, now, clock) = (actor, now, peer.clock)
        return try await peer.retryingConflicts { intake in
            let head = try await intake.chainHead(of: device)
            let record = try await intake.records([recordID])[recordID]
            let change = try AdministrativeChange.make(device: device, head: head, record: record, now: clock(), author: actor,
                                                       recordID: recordID, type: type, caseID: caseID, kind: kind,
                                                       writes: try writes(record))
            try await intake.accept([AcceptedChange(change, receivedAt: now)])
            try await intake.setChainHead(of: device, seq: change.id.seq, hash: change.hash)
            try await then(intake)
            return change
        }
    }

    func requireCase(_ caseID: String) async throws {
        guard try await storage.record(caseID)?.recordType == .case else {
            throw CentralAdminError("no case \(caseID); add it with: fieldbook admin case add \(caseID) --child NAME --dob DATE --category CP")
        }
    }

    private func requireWorker(_ name: String) async throws {
        guard try await storage.user(named: name) != nil else {
            throw CentralAdminError("no user \(name); add one with: fieldbook admin user add \(name) --role worker")
        }
    }
}
