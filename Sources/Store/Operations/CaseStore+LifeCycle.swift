internal import GRDB

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
            try authorize(.edit, state, db)
            let given = try FieldInput(schema: state.recordType.schema, context: valueContext).normalise(values)
            var after = state.values
            var writes: [FieldWrite] = []
            for (spec, value) in given where state.value(spec.name) != value || state.fields[spec.name]?.hasSiblings == true {
                if state.fields[spec.name]?.hasSiblings == true {
                    throw StoreError.fieldInConflict(id: recordID, field: spec.name)
                }
                if value == nil && spec.requiredOnCreate {
                    throw StoreError.invalidValue(key: spec.key, value: "", expected: "a value: \(spec.key) is required")
                }
                after[spec.name] = value
                writes.append(FieldWrite(field: spec.name, value: value, supersedes: state.currentVersionIDs(of: spec.name)))
            }
            // Checked on what the record will show, so an edit can also mend a rule two merged edits broke.
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
            try authorize(.finalise, state, db)
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
            try authorize(.delete, state, db)
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
            try authorize(.amend, target, db)
            let given = try FieldInput(schema: target.recordType.schema, context: valueContext).normalise(values)
            var corrected: [String: String?] = [:]
            for (spec, value) in given { corrected[spec.name] = value }
            let correctedText = try JSONCoding.string(corrected)
            try FieldInput.checkLength(correctedText, key: "the corrected values together")
            // The amendments of the target this one has seen: it replaces their corrections, and amendments
            // that did not see each other and correct the same field are a conflict (RecordSnapshot). Whether
            // the corrected record still keeps the visit rules is the policy's to say, in append.
            let seenChanges = try snapshot(of: target, db).amendments.compactMap { $0.creation?.id }
            let writes = [
                FieldWrite(field: "target_id", value: target.recordID, supersedes: []),
                FieldWrite(field: "reason", value: reason, supersedes: []),
                FieldWrite(field: "corrected", value: correctedText, supersedes: seenChanges),
                FieldWrite(field: RecordSchema.statusField, value: RecordStatus.final.rawValue, supersedes: []),
            ]
            try append(db, base: nil, recordID: id, type: .amendment, caseID: target.caseID, kind: .create,
                       writes: writes)
        }
        return id
    }

    func existingState(_ recordID: String, _ db: Database) throws -> RecordState {
        guard let state = try state(of: recordID, db) else { throw StoreError.noSuchRecord(recordID) }
        return state
    }

}
