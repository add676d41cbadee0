import GRDB

/// A field in conflict: every current version, provisional first (the order `keep=N` counts in).
public struct FieldConflict: Sendable, Equatable {
    public let recordID: String
    public let recordType: RecordType
    public let caseID: String
    /// The stored field name.
    public let field: String
    public let versions: [FieldVersion]
}

extension CaseStore {
    /// How a conflict is settled.
    public enum Resolution: Sendable, Equatable {
        /// Keep version N (1-based, in the order `conflicts` lists them).
        case keep(Int)
        /// Replace every version with a new value.
        case value(String)
    }

    /// Every conflicted field of every record, ordered by case, record and field.
    public func conflicts() throws -> [FieldConflict] {
        try pool.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT id, type, case_id, conflicts FROM record WHERE conflicts IS NOT NULL ORDER BY case_id, id
                """)
            return try rows.flatMap { row -> [FieldConflict] in
                let siblings = try JSONCoding.decode([String: [FieldVersion]].self, from: row["conflicts"])
                let type = RecordType(rawValue: row["type"]) ?? .note
                return siblings.keys.sorted().map { field in
                    FieldConflict(recordID: row["id"], recordType: type, caseID: row["case_id"], field: field,
                                  versions: siblings[field] ?? [])
                }
            }
        }
    }

    /// Settles a conflicted field with a write that supersedes every sibling. Allowed to a supervisor and
    /// to the record's author. The siblings stay in the history.
    ///
    /// - Parameter key: the field's key (`wishes`, `date`, ...) or `status`.
    public func resolve(_ recordID: String, key: String, with resolution: Resolution) throws {
        try pool.write { db in
            let state = try existingState(recordID, db)
            let schema = state.recordType.schema
            let spec = schema.field(forKey: key)
            let field = spec?.name ?? key
            guard spec != nil || (key == RecordSchema.statusField && state.recordType.hasStatus) else {
                throw StoreError.unknownKey(key, type: state.recordType, valid: schema.keys + (state.recordType.hasStatus ? ["status"] : []))
            }
            guard let register = state.fields[field], register.isConflicted else {
                throw StoreError.nothingToDo("\(key) of \(recordID) is not in conflict")
            }
            let role = try SyncState.load(db).role
            let terminal = state.fields[RecordSchema.statusField]?.current.contains {
                $0.value.flatMap(RecordStatus.init(rawValue:))?.isTerminal == true
            } ?? false
            if terminal {
                guard role == "supervisor" else {
                    throw StoreError.notEditable(id: recordID, reason: "it is final: only a supervisor can resolve a conflict on a final record")
                }
            } else {
                guard role == "supervisor" || state.creation?.author == author else {
                    throw StoreError.notEditable(id: recordID, reason: "only a supervisor or the record's author (\(state.creation?.author ?? "unknown")) can resolve its conflicts")
                }
            }
            let value: String?
            switch resolution {
            case .keep(let number):
                guard (1...register.current.count).contains(number) else {
                    throw StoreError.invalidValue(key: "keep", value: String(number), expected: "a version from 1 to \(register.current.count)")
                }
                value = register.current[number - 1].value
            case .value(let text):
                try FieldInput.checkLength(text, key: key)
                if let spec {
                    guard let normalised = spec.kind.normalise(text, context: valueContext) else {
                        throw StoreError.invalidValue(key: key, value: text, expected: spec.kind.expectation)
                    }
                    value = normalised
                } else {
                    guard let status = RecordStatus(rawValue: text) else {
                        throw StoreError.invalidValue(key: key, value: text, expected: "draft, final or deleted")
                    }
                    value = status.rawValue
                }
            }
            if field == RecordSchema.statusField, value == RecordStatus.draft.rawValue {
                throw StoreError.invalidValue(key: key, value: "draft", expected: "final or deleted: a record is never reopened")
            }
            let sealing = field == RecordSchema.statusField && value.flatMap(RecordStatus.init(rawValue:))?.isTerminal == true
            try append(db, base: state, recordID: state.recordID, type: state.recordType, caseID: state.caseID,
                       kind: .resolve,
                       writes: [FieldWrite(field: field, value: value, supersedes: state.currentVersionIDs(of: field))],
                       sealed: sealing ? state.sealCandidate : [])
        }
    }
}
