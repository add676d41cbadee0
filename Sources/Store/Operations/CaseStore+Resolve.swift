internal import GRDB

/// A field in conflict: every current version, provisional first (the order `keep=N` counts in).
public struct FieldConflict: Sendable, Equatable {
    public let recordID: String
    public let recordType: RecordType
    public let caseID: String
    /// The stored field name.
    public let field: String
    public let versions: [FieldVersion]
    /// The versions are the corrections of amendments that did not see each other (each version's change
    /// is an amendment's); settled by a further amendment, which `resolve` writes.
    public let betweenAmendments: Bool
    /// For a field of a sealed record: the index in `versions` from which they were written without seeing
    /// the finalisation or deletion (raced).
    public let racedFrom: Int?
    /// The visit rule the merged record breaks, when the field takes part in one.
    public let brokenRule: String?

    init(recordID: String, recordType: RecordType, caseID: String, field: String, versions: [FieldVersion],
         betweenAmendments: Bool = false, racedFrom: Int? = nil, brokenRule: String? = nil) {
        self.recordID = recordID
        self.recordType = recordType
        self.caseID = caseID
        self.field = field
        self.versions = versions
        self.betweenAmendments = betweenAmendments
        self.racedFrom = racedFrom
        self.brokenRule = brokenRule
    }
}

extension CaseStore {
    /// How a conflict is settled.
    public enum Resolution: Sendable, Equatable {
        /// Keep version N (1-based, in the order `conflicts` lists them).
        case keep(Int)
        /// Replace every version with a new value.
        case value(String)
    }

    /// Every conflicted field of every record, ordered by case, record and field: siblings within a record,
    /// then amendments of one record that disagree.
    public func conflicts() throws -> [FieldConflict] {
        try pool.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT id, type, case_id, conflicts FROM record WHERE conflicts IS NOT NULL ORDER BY case_id, id
                """)
            let within = try rows.flatMap { row -> [FieldConflict] in
                let recordID: String = row["id"]
                guard let state = try state(of: recordID, db) else { return [] }
                return state.conflictedFields.compactMap { field in
                    guard let register = state.fields[field] else { return nil }
                    return FieldConflict(recordID: recordID, recordType: state.recordType, caseID: state.caseID, field: field,
                                         versions: register.current, racedFrom: register.raced.isEmpty ? nil : register.settledCount,
                                         brokenRule: register.brokenRule)
                }
            }
            return (within + (try amendmentConflicts(db))).sorted { ($0.caseID, $0.recordID) < ($1.caseID, $1.recordID) }
        }
    }

    /// Fields that amendments of one record correct concurrently with different values.
    func amendmentConflicts(_ db: Database) throws -> [FieldConflict] {
        let targets = try String.fetchAll(db, sql: """
            SELECT DISTINCT json_extract(fields, '$.target_id') FROM record WHERE type = 'amendment' AND fields IS NOT NULL
            """)
        var found: [FieldConflict] = []
        for targetID in targets.sorted() {
            guard let target = try state(of: targetID, db) else { continue }
            for (field, amendments) in try snapshot(of: target, db).amendmentConflicts {
                let versions = amendments.compactMap { amendment in
                    amendment.fields["corrected"]?.provisional.map { FieldVersion($0, value: amendment.correction(of: field) ?? nil) }
                }
                found.append(FieldConflict(recordID: target.recordID, recordType: target.recordType, caseID: target.caseID,
                                           field: field, versions: versions, betweenAmendments: true))
            }
        }
        return found
    }

    /// Settles a conflicted field with a write that supersedes every sibling. Who may is ``ChangePolicy``'s
    /// to say (a supervisor; on a draft also the record's author); on a final record the resolution keeps a
    /// sealed value, and a late value is taken by amendment instead. The siblings stay in the history.
    ///
    /// - Parameter key: the field's key (`wishes`, `date`, ...) or `status`.
    public func resolve(_ recordID: String, key: String, with resolution: Resolution) throws {
        if let settled = try amendmentResolution(recordID, key: key, with: resolution) {
            _ = try amend(recordID, reason: "settles amendments of \(key) made without seeing each other", values: [(key, settled)])
            return
        }
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
            try authorize(.resolve, state, db)
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
            if state.recordType == .visit, field != RecordSchema.statusField {
                // A broken rule is settled only by a value that mends it.
                var after = state.values
                after[field] = value
                if let broken = VisitConsistency.violations(after).first(where: { $0.fields.contains(field) }) {
                    throw StoreError.inconsistent(broken.message + "; choose another value, or fix the other field with edit or resolve")
                }
            }
            // A resolution lists everything of the record it had seen, like a finalisation: on a sealed
            // record it counts only if it had seen the sealing change (RecordState).
            try append(db, base: state, recordID: state.recordID, type: state.recordType, caseID: state.caseID,
                       kind: .resolve,
                       writes: [FieldWrite(field: field, value: value, supersedes: state.currentVersionIDs(of: field))],
                       sealed: state.sealCandidate)
        }
    }
}

extension CaseStore {
    /// When `key` of the record is in conflict between its amendments (and not within the record): the
    /// value, as typed, that a settling amendment gives it. `nil` otherwise.
    private func amendmentResolution(_ recordID: String, key: String, with resolution: Resolution) throws -> String? {
        try pool.read { db in
            guard let state = try state(of: recordID, db), let spec = state.recordType.schema.field(forKey: key),
                  state.fields[spec.name]?.isConflicted != true,
                  let conflict = try snapshot(of: state, db).amendmentConflicts.first(where: { $0.field == spec.name })
            else { return nil }
            switch resolution {
            case .value(let text):
                return text
            case .keep(let number):
                guard (1...conflict.amendments.count).contains(number) else {
                    throw StoreError.invalidValue(key: "keep", value: String(number), expected: "a version from 1 to \(conflict.amendments.count)")
                }
                return (conflict.amendments[number - 1].correction(of: spec.name) ?? nil) ?? ""
            }
        }
    }
}
