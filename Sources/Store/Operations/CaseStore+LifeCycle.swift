import GRDB

extension CaseStore {
    /// The outcome of an edit: the change written, or nothing because the values were already as given.
    public enum EditOutcome: Equatable, Sendable {
        case changed(fields: [String])
        case unchanged
    }

    /// Changes fields of a draft visit or note, or of a case's details.
    ///
    /// Each write supersedes exactly the versions this store can see, so an edit made elsewhere meanwhile
    /// survives as a sibling after sync instead of being overwritten.
    public func edit(_ recordID: String, values: [(key: String, value: String)]) throws -> EditOutcome {
        guard !values.isEmpty else { throw StoreError.nothingToDo("nothing to edit: give key=value pairs") }
        return try pool.write { db in
            let state = try existingState(recordID, db)
            guard !state.recordType.isFinalOnSave else {
                throw StoreError.notEditable(id: recordID, reason: "\(state.recordType.rawValue) entries are final when saved; correct one with amend")
            }
            try requireDraft(state, db)
            let given = try FieldInput(schema: state.recordType.schema, context: valueContext).normalise(values)
            var after = state.values
            var writes: [FieldWrite] = []
            for (spec, value) in given where state.value(spec.name) != value || state.fields[spec.name]?.isConflicted == true {
                if state.fields[spec.name]?.isConflicted == true {
                    throw StoreError.fieldInConflict(id: recordID, field: spec.name)
                }
                if value == nil && spec.requiredOnCreate {
                    throw StoreError.invalidValue(key: spec.key, value: "", expected: "a value: \(spec.key) is required")
                }
                after[spec.name] = value
                writes.append(FieldWrite(field: spec.name, value: value, supersedes: state.currentVersionIDs(of: spec.name)))
            }
            if state.recordType == .visit { try FieldInput.checkVisit(after) }
            guard !writes.isEmpty else { return .unchanged }
            try append(db, base: state, recordID: state.recordID, type: state.recordType, caseID: state.caseID,
                       kind: .edit, writes: writes)
            return .changed(fields: writes.map(\.field))
        }
    }

    /// Makes a draft visit or note final. From then on it changes only through amendments.
    public func finalise(_ recordID: String) throws {
        try pool.write { db in
            let state = try existingState(recordID, db)
            guard state.recordType == .visit || state.recordType == .note else {
                throw StoreError.notEditable(id: recordID, reason: state.recordType == .case
                    ? "a case has no draft or final state; its details are changed with edit"
                    : "\(state.recordType.rawValue) entries are final when saved")
            }
            try requireDraft(state, db)
            if let field = state.conflictedFields.first {
                throw StoreError.fieldInConflict(id: recordID, field: field)
            }
            if state.recordType == .visit, state.value("type") == "statutory" {
                let missing = Self.missingForStatutoryVisit(state.values)
                if !missing.isEmpty {
                    throw StoreError.notEditable(id: recordID, reason: "a statutory visit is finalised only with "
                        + missing.joined(separator: ", ") + " recorded (edit it first)")
                }
            }
            try append(db, base: state, recordID: state.recordID, type: state.recordType, caseID: state.caseID,
                       kind: .finalise,
                       writes: [FieldWrite(field: RecordSchema.statusField, value: RecordStatus.final.rawValue,
                                           supersedes: state.currentVersionIDs(of: RecordSchema.statusField))],
                       sealed: state.sealCandidate)
        }
    }

    /// Marks a draft visit or note deleted, with a reason. The record and its history stay in the store.
    public func delete(_ recordID: String, reason: String) throws {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw StoreError.nothingToDo("a deletion needs reason=TEXT: why the draft is deleted") }
        try FieldInput.checkLength(reason, key: "reason")
        try pool.write { db in
            let state = try existingState(recordID, db)
            guard state.recordType == .visit || state.recordType == .note else {
                throw StoreError.notEditable(id: recordID, reason: "only draft visits and notes can be deleted")
            }
            guard state.status == .draft else {
                throw StoreError.notEditable(id: recordID, reason: "it is \(state.status?.rawValue ?? "not a draft"); only drafts can be deleted, final records are corrected by amendments")
            }
            try append(db, base: state, recordID: state.recordID, type: state.recordType, caseID: state.caseID,
                       kind: .delete,
                       writes: [
                           FieldWrite(field: RecordSchema.statusField, value: RecordStatus.deleted.rawValue,
                                      supersedes: state.currentVersionIDs(of: RecordSchema.statusField)),
                           FieldWrite(field: RecordSchema.deleteReasonField, value: reason,
                                      supersedes: state.currentVersionIDs(of: RecordSchema.deleteReasonField)),
                       ],
                       sealed: state.sealCandidate)
        }
    }

    /// Corrects a final record: saves a final amendment that points at it, with the reason and corrected
    /// values. The original values stay in the record and its history. Returns the amendment's id.
    public func amend(_ recordID: String, reason: String, values: [(key: String, value: String)]) throws -> String {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw StoreError.nothingToDo("an amendment needs reason=TEXT: why the record is corrected") }
        try FieldInput.checkLength(reason, key: "reason")
        guard !values.isEmpty else {
            throw StoreError.nothingToDo("an amendment needs the corrected values as key=value pairs")
        }
        let id = UUIDv7.make(at: clock())
        try pool.write { db in
            let target = try existingState(recordID, db)
            switch (target.recordType, target.status) {
            case (.amendment, _):
                throw StoreError.notEditable(id: recordID, reason: "it is an amendment; amend the original record")
            case (.case, _):
                throw StoreError.notEditable(id: recordID, reason: "case details are corrected with edit")
            case (_, .draft):
                throw StoreError.notEditable(id: recordID, reason: "it is a draft: edit it instead")
            case (_, .deleted):
                throw StoreError.notEditable(id: recordID, reason: "it was deleted")
            default: break
            }
            let given = try FieldInput(schema: target.recordType.schema, context: valueContext).normalise(values)
            var corrected: [String: String?] = [:]
            for (spec, value) in given { corrected[spec.name] = value }
            if target.recordType == .visit {
                // The corrected record must still make sense: check the values it will show.
                var effective = try snapshot(of: target, db).effectiveValues
                for (field, value) in corrected { effective[field] = value }
                try FieldInput.checkVisit(effective)
            }
            let correctedText = try JSONCoding.string(corrected)
            try FieldInput.checkLength(correctedText, key: "the corrected values together")
            let writes = [
                FieldWrite(field: "target_id", value: target.recordID, supersedes: []),
                FieldWrite(field: "reason", value: reason, supersedes: []),
                FieldWrite(field: "corrected", value: correctedText, supersedes: []),
                FieldWrite(field: RecordSchema.statusField, value: RecordStatus.final.rawValue, supersedes: []),
            ]
            try append(db, base: nil, recordID: id, type: .amendment, caseID: target.caseID, kind: .create,
                       writes: writes)
        }
        return id
    }

    /// What a statutory visit needs before it is final (reg 29): whether the child was seen; if seen,
    /// whether alone and, if not, why; and the child's wishes and feelings. Keys as users type them.
    static func missingForStatutoryVisit(_ values: [String: String]) -> [String] {
        var missing: [String] = []
        guard let seen = values["seen"] else { return ["seen (and, if the child was seen, alone and wishes)"] }
        if seen == "yes" {
            switch values["seen_alone"] {
            case nil: missing.append("alone")
            case "no"? where values["alone_reason"] == nil: missing.append("alone_reason")
            default: break
            }
            if values["wishes"] == nil { missing.append("wishes") }
        }
        return missing
    }

    func existingState(_ recordID: String, _ db: Database) throws -> RecordState {
        guard let state = try state(of: recordID, db) else { throw StoreError.noSuchRecord(recordID) }
        return state
    }

    private func requireDraft(_ state: RecordState, _ db: Database) throws {
        switch state.status {
        case .final? where state.recordType == .amendment:
            throw StoreError.notEditable(id: state.recordID, reason: "amendments are final when saved; add another amendment to the original record")
        case .final?:
            let reference = try uniquePrefix(of: state.recordID, db)
            throw StoreError.notEditable(id: state.recordID, reason: "it is final; correct it with: amend \(reference) reason=... key=value")
        case .deleted?:
            throw StoreError.notEditable(id: state.recordID, reason: "it was deleted")
        case .draft?, nil:
            return
        }
    }
}
