internal import GRDB

extension CaseStore {
    /// The case's whole record in time order, full text (see ``CaseRecord``). Visits and notes are placed
    /// by when they happened; amendments, oversight, deletions, resolutions and changes of the case's
    /// details by when they were recorded.
    ///
    /// Unlike ``chronology(_:)`` (one line per record, for `case`), every field is given in full, amendments
    /// are given beside the record they correct (with the value before each and its reason) as well as in
    /// their own place in time, and every entry says who recorded it, when, and what the central peer holds
    /// of it. Read in one transaction, so the entries are of one moment.
    public func caseRecord(_ caseID: String) throws -> CaseRecord {
        let read = try pool.read { db in try CaseRecordReader(store: self, caseID: caseID, db).read(db) }
        let deadline = try caseload().first { $0.caseID == caseID }?.deadline
        let header = CaseRecordHeader(
            caseID: caseID, childName: read.caseState?.value("child_name"), dob: read.caseState?.value("dob"),
            category: read.caseState?.value("category"), worker: read.caseState?.value("worker"),
            placementStart: read.caseState?.value("placement_start"), planStart: read.caseState?.value("plan_start"),
            longTerm: read.caseState?.value("long_term") == "yes",
            allocation: try allocationHistory(caseID), workersInLastYear: try workersInLastYear(caseID),
            nextVisit: deadline, daysOverdue: deadline?.daysOverdue(on: today) ?? 0,
            conflicts: read.caseConflicts, opened: read.opened)
        return CaseRecord(
            header: header, entries: read.entries,
            generatedAt: Timestamp.iso8601(milliseconds: Timestamp.milliseconds(clock())), generatedBy: author,
            deviceID: deviceID, centralPeer: read.sync.serverURL, role: read.sync.role, lastSyncAt: read.sync.lastSyncAt,
            pendingChanges: read.pending, refusedChanges: read.refused)
    }
}

/// Reads one case's changes and builds its entries, inside one read transaction.
private struct CaseRecordReader {
    struct Result {
        var caseState: RecordState?
        var caseConflicts: [CaseRecordConflict]
        var opened: ChangeStamp?
        var entries: [CaseRecordEntry]
        var sync: SyncState
        var pending: Int
        var refused: Int
    }

    let caseID: String
    let deviceID: String
    /// The case's changes that take part in its records (not this device's quarantined ones), by id.
    let changes: [ChangeID: Change]
    /// What the central peer said of this device's changes: status and received time.
    let receipts: [ChangeID: (status: String, receivedAt: String?)]
    let skews: [ChangeID: Int64]

    init(store: CaseStore, caseID: String, _ db: Database) throws {
        try store.requireCase(caseID, db)
        self.caseID = caseID
        deviceID = store.deviceID
        let logged = try ChangeLog.fetch(db, where: "case_id = ? AND NOT (\(ChangeLog.isQuarantined))", [caseID])
        changes = Dictionary(logged.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var receipts: [ChangeID: (status: String, receivedAt: String?)] = [:]
        var skews: [ChangeID: Int64] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT c.device_id, c.seq, r.status, r.received_at, s.skew_ms FROM change_log c
            LEFT JOIN change_receipt r ON r.device_id = c.device_id AND r.seq = c.seq
            LEFT JOIN clock_skew s ON s.device_id = c.device_id AND s.seq = c.seq
            WHERE c.case_id = ? AND (r.status IS NOT NULL OR s.skew_ms IS NOT NULL)
            """, arguments: [caseID]) {
            let id = ChangeID(deviceID: row["device_id"], seq: row["seq"])
            if let status: String = row["status"] { receipts[id] = (status, row["received_at"]) }
            if let skew: Int64 = row["skew_ms"] { skews[id] = skew }
        }
        self.receipts = receipts
        self.skews = skews
    }

    func read(_ db: Database) throws -> Result {
        var byRecord: [String: [Change]] = [:]
        for change in changes.values { byRecord[change.recordID, default: []].append(change) }
        let states = byRecord.compactMapValues { RecordState(changes: $0) }
        var amendmentsByTarget: [String: [RecordState]] = [:]
        for state in states.values where state.recordType == .amendment {
            guard let target = state.value("target_id") else { continue }
            amendmentsByTarget[target, default: []].append(state)
        }

        var entries: [(entry: CaseRecordEntry, hlc: HLC)] = []
        var targets: [String: CaseRecordTarget] = [:]
        var amendmentsByID: [String: CaseRecordAmendment] = [:]
        for state in states.values where [.visit, .note, .oversight].contains(state.recordType) {
            let snapshot = RecordSnapshot(state: state, amendments: amendmentsByTarget[state.recordID] ?? [])
            let entry = recordEntry(state, snapshot, byRecord[state.recordID] ?? [])
            targets[state.recordID] = CaseRecordTarget(recordID: state.recordID, type: state.recordType, when: entry.entry.when)
            if case .record(_, let amendments) = entry.entry.content {
                for amendment in amendments { amendmentsByID[amendment.recordID] = amendment }
            }
            entries.append(entry)
            if let deleted = entry.entry.deleted, let change = changes[deleted.change] {
                entries.append((CaseRecordEntry(
                    kind: .deletion, when: deleted.recordedAt, recordID: state.recordID, recordType: state.recordType,
                    status: nil, stamp: deleted, finalised: nil, deleted: nil, deleteReason: nil, lastEdit: nil, edits: 0,
                    content: .deletion(reason: entry.entry.deleteReason ?? "",
                                       target: CaseRecordTarget(recordID: state.recordID, type: state.recordType, when: entry.entry.when)),
                    conflicts: []), change.hlc))
            }
        }
        if let caseState = states[caseID] {
            targets[caseID] = CaseRecordTarget(recordID: caseID, type: .case, when: caseState.creation?.recordedAt ?? "")
        }
        for state in states.values where state.recordType == .amendment {
            guard let creation = state.creation, let change = changes[creation.id] else { continue }
            let targetID = state.value("target_id") ?? ""
            let amendment = amendmentsByID[state.recordID]
                ?? CaseRecordAmendment(recordID: state.recordID, reason: state.value("reason") ?? "",
                                       corrections: state.corrections.map { correction($0.field, nil, $0.value, targets[targetID]?.type) },
                                       stamp: stamp(change))
            let target = targets[targetID] ?? CaseRecordTarget(recordID: targetID, type: .visit, when: "")
            entries.append((CaseRecordEntry(
                kind: .amendment, when: creation.recordedAt, recordID: state.recordID, recordType: .amendment,
                status: state.status, stamp: amendment.stamp, finalised: nil, deleted: nil, deleteReason: nil, lastEdit: nil,
                edits: 0, content: .amendment(amendment, target: target), conflicts: []), change.hlc))
        }
        entries += caseEntries(states[caseID])
        entries += resolutionEntries(states, targets)
        entries.sort { a, b in
            (a.entry.when, a.hlc, a.entry.recordID, a.entry.kind.rawValue) < (b.entry.when, b.hlc, b.entry.recordID, b.entry.kind.rawValue)
        }

        let caseState = states[caseID]
        let pending = try Int.fetchOne(db, sql: """
            SELECT count(*) FROM change_log c WHERE c.case_id = ? AND c.device_id = ?
            AND NOT EXISTS (SELECT 1 FROM change_receipt r WHERE r.device_id = c.device_id AND r.seq = c.seq)
            """, arguments: [caseID, deviceID]) ?? 0
        let refused = try Int.fetchOne(db, sql: """
            SELECT (SELECT count(*) FROM change_receipt r JOIN change_log c ON c.device_id = r.device_id AND c.seq = r.seq
                    WHERE r.status = 'quarantined' AND c.case_id = ?1)
                 + (SELECT count(*) FROM purged_rejection WHERE case_id = ?1)
            """, arguments: [caseID]) ?? 0
        return Result(
            caseState: caseState, caseConflicts: caseState.map { conflicts(of: $0, amendments: nil) } ?? [],
            opened: caseState?.creation.flatMap { changes[$0.id] }.map(stamp),
            entries: entries.map(\.entry), sync: try SyncState.load(db), pending: pending, refused: refused)
    }

    // MARK: - Entries

    /// A visit, note or oversight entry: every field, corrected values beside the recorded ones, its
    /// amendments, its life (finalised, deleted, edited) and its conflicts.
    private func recordEntry(_ state: RecordState, _ snapshot: RecordSnapshot, _ own: [Change]) -> (entry: CaseRecordEntry, hlc: HLC) {
        let first = state.creation.flatMap { changes[$0.id] } ?? own.min { ($0.hlc, $0.id) < ($1.hlc, $1.id) }
        let statusVersion = state.fields[RecordSchema.statusField]?.provisional
        let statusChange = statusVersion.flatMap { changes[$0.change] }
        let finalised = state.status == .final && statusChange?.id != first?.id ? statusChange : nil
        let deleted = state.status == .deleted ? statusChange : nil
        let edits = own.filter { $0.kind == .edit }
        let lastEdit = edits.max { ($0.hlc, $0.id) < ($1.hlc, $1.id) }

        let effective = snapshot.effectiveValues
        let fields = state.recordType.schema.fields.map { spec -> CaseRecordField in
            let recorded = state.value(spec.name)
            let now = effective[spec.name]
            return CaseRecordField(field: spec.name, key: spec.key, value: now, recorded: now == recorded ? .none : .some(recorded))
        }
        var current = state.values
        let amendments = snapshot.amendments.compactMap { amendment -> CaseRecordAmendment? in
            guard let creation = amendment.creation, let change = changes[creation.id] else { return nil }
            let corrections = amendment.corrections.map { item -> CaseRecordCorrection in
                defer { current[item.field] = item.value }
                return correction(item.field, current[item.field], item.value, state.recordType)
            }
            return CaseRecordAmendment(recordID: amendment.recordID, reason: amendment.value("reason") ?? "",
                                       corrections: corrections, stamp: stamp(change))
        }
        let when = state.value("occurred_at") ?? first?.recordedAt ?? ""
        let entry = CaseRecordEntry(
            kind: state.recordType == .visit ? .visit : state.recordType == .note ? .note : .oversight,
            when: state.recordType == .oversight ? first?.recordedAt ?? when : when,
            recordID: state.recordID, recordType: state.recordType, status: state.status,
            stamp: first.map(stamp) ?? Self.unknownStamp, finalised: finalised.map(stamp), deleted: deleted.map(stamp),
            deleteReason: deleted == nil ? nil : state.value(RecordSchema.deleteReasonField),
            lastEdit: lastEdit.map(stamp), edits: edits.count,
            content: .record(fields: fields, amendments: amendments),
            conflicts: conflicts(of: state, amendments: snapshot))
        return (entry, first?.hlc ?? .zero)
    }

    /// The case's own changes: its opening, then each change of its details or of its worker.
    private func caseEntries(_ state: RecordState?) -> [(entry: CaseRecordEntry, hlc: HLC)] {
        guard state != nil else { return [] }
        let schema = RecordType.case.schema
        let ordered = changes.values.filter { $0.recordID == caseID && $0.kind != .resolve }.sorted { ($0.hlc, $0.id) < ($1.hlc, $1.id) }
        var values: [String: String] = [:]
        var entries: [(entry: CaseRecordEntry, hlc: HLC)] = []
        func entry(_ kind: CaseRecordEntry.Kind, _ change: Change, _ content: CaseRecordEntry.Content) -> (entry: CaseRecordEntry, hlc: HLC) {
            (CaseRecordEntry(kind: kind, when: change.recordedAt, recordID: caseID, recordType: .case, status: nil,
                             stamp: stamp(change), finalised: nil, deleted: nil, deleteReason: nil, lastEdit: nil, edits: 0,
                             content: content, conflicts: []), change.hlc)
        }
        for change in ordered {
            let order = schema.fields.map(\.name)
            let writes = change.writes.sorted { (order.firstIndex(of: $0.field) ?? order.count) < (order.firstIndex(of: $1.field) ?? order.count) }
            if change.kind == .create {
                entries.append(entry(.caseOpened, change, .caseDetails(writes.map {
                    CaseRecordCorrection(field: $0.field, key: schema.key(forField: $0.field), before: nil, after: $0.value)
                })))
            } else {
                if let worker = change.write(to: "worker"), let name = worker.value, !name.isEmpty {
                    entries.append(entry(.allocation, change, .allocation(worker: name, previous: values["worker"])))
                }
                let details = writes.filter { $0.field != "worker" || ($0.value ?? "").isEmpty }.map {
                    CaseRecordCorrection(field: $0.field, key: schema.key(forField: $0.field), before: values[$0.field], after: $0.value)
                }
                if !details.isEmpty { entries.append(entry(.caseDetails, change, .caseDetails(details))) }
            }
            for write in change.writes { values[write.field] = write.value }
        }
        return entries
    }

    /// Every resolution of a conflict on the case's records: the value kept and the versions it replaced.
    private func resolutionEntries(_ states: [String: RecordState], _ targets: [String: CaseRecordTarget]) -> [(entry: CaseRecordEntry, hlc: HLC)] {
        changes.values.filter { $0.kind == .resolve }.flatMap { change in
            change.writes.map { write in
                let replaced = write.supersedes.compactMap { id -> CaseRecordVersion? in
                    guard let earlier = changes[id], let version = earlier.write(to: write.field) else { return nil }
                    return CaseRecordVersion(value: version.value, author: earlier.author, recordedAt: earlier.recordedAt,
                                             change: id, raced: false)
                }
                let type = states[change.recordID]?.recordType ?? change.recordType
                let target = targets[change.recordID] ?? CaseRecordTarget(recordID: change.recordID, type: type, when: "")
                return (CaseRecordEntry(
                    kind: .resolution, when: change.recordedAt, recordID: change.recordID, recordType: type, status: nil,
                    stamp: stamp(change), finalised: nil, deleted: nil, deleteReason: nil, lastEdit: nil, edits: 0,
                    content: .resolution(field: write.field, key: type.schema.key(forField: write.field), kept: write.value,
                                         replaced: replaced, target: target),
                    conflicts: []), change.hlc)
            }
        }
    }

    // MARK: - Pieces

    private func correction(_ field: String, _ before: String?, _ after: String?, _ type: RecordType?) -> CaseRecordCorrection {
        CaseRecordCorrection(field: field, key: (type ?? .visit).schema.key(forField: field), before: before, after: after)
    }

    /// The record's fields in conflict (their versions, the one shown meanwhile first), then fields its
    /// amendments correct in disagreement.
    private func conflicts(of state: RecordState, amendments snapshot: RecordSnapshot?) -> [CaseRecordConflict] {
        let schema = state.recordType.schema
        var found = state.conflictedFields.compactMap { field -> CaseRecordConflict? in
            guard let register = state.fields[field] else { return nil }
            let versions = register.current.enumerated().map { index, version in
                CaseRecordVersion(value: version.value, author: version.author, recordedAt: version.recordedAt,
                                  change: version.change, raced: index >= register.settledCount)
            }
            return CaseRecordConflict(field: field, key: schema.key(forField: field), versions: versions,
                                      betweenAmendments: false, brokenRule: register.brokenRule)
        }
        for (field, amendments) in snapshot?.amendmentConflicts ?? [] {
            let versions = amendments.compactMap { amendment -> CaseRecordVersion? in
                guard let creation = amendment.creation else { return nil }
                return CaseRecordVersion(value: amendment.correction(of: field) ?? nil, author: creation.author,
                                         recordedAt: creation.recordedAt, change: creation.id, raced: false)
            }
            found.append(CaseRecordConflict(field: field, key: schema.key(forField: field), versions: versions,
                                            betweenAmendments: true, brokenRule: nil))
        }
        return found
    }

    private func stamp(_ change: Change) -> ChangeStamp {
        ChangeStamp(change: change.id, kind: change.kind, author: change.author, recordedAt: change.recordedAt,
                    receipt: receipt(change.id), clockSkewMilliseconds: skews[change.id])
    }

    /// What the central peer holds of a change: this device's changes carry its receipt; any other
    /// device's change came through the peer.
    private func receipt(_ id: ChangeID) -> ChangeReceipt {
        if let receipt = receipts[id], receipt.status == "accepted" {
            if let at = receipt.receivedAt { return .received(at: at) }
            return id.deviceID == deviceID ? .acknowledged : .viaCentralPeer
        }
        return id.deviceID == deviceID ? .notYetSynced : .viaCentralPeer
    }

    /// For a record none of whose changes is at hand (cannot happen for a stored record).
    private static let unknownStamp = ChangeStamp(change: ChangeID(deviceID: "", seq: 1), kind: .create, author: "",
                                                  recordedAt: "", receipt: .notYetSynced, clockSkewMilliseconds: nil)
}
