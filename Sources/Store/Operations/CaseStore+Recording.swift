internal import GRDB

extension CaseStore {
    /// Adds a case. Its id is the local child id (as in the Children in Need census).
    ///
    /// - Parameter values: `child`, `dob`, `category` (required), `worker` (default: the author),
    ///   `placement_start`, `plan_start`.
    public func addCase(id: String, values: [(key: String, value: String)]) throws {
        guard Self.isValidCaseID(id) else { throw StoreError.invalidCaseID(id) }
        let schema = RecordType.case.schema
        var given = try FieldInput(schema: schema, context: valueContext).normalise(values)
        if !given.contains(where: { $0.field.name == "worker" }), let worker = schema.field(forKey: "worker") {
            given.append((worker, author))
        }
        try requireFields(given, schema: schema)
        try pool.write { db in
            if try Self.recordExists(id, db) { throw StoreError.caseExists(id) }
            let writes = given.compactMap { spec, value in
                value.map { FieldWrite(field: spec.name, value: $0, supersedes: []) }
            }
            try append(db, base: nil, recordID: id, type: .case, caseID: id, kind: .create, writes: writes)
        }
    }

    /// Records a visit as a draft and returns its id.
    ///
    /// - Parameter values: keys of ``RecordSchema`` for visits; `date` and `type` are required.
    public func addVisit(caseID: String, values: [(key: String, value: String)]) throws -> String {
        let schema = RecordType.visit.schema
        let given = try FieldInput(schema: schema, context: valueContext).normalise(values)
        try requireFields(given, schema: schema)
        var merged: [String: String] = [:]
        for (spec, value) in given { merged[spec.name] = value }
        try FieldInput.checkVisit(merged)
        return try createDraft(type: .visit, caseID: caseID, given: given)
    }

    /// Records a case note as a draft and returns its id.
    ///
    /// - Parameters:
    ///   - body: the note's text.
    ///   - values: optionally `category` (default general) and `date` (default now).
    public func addNote(caseID: String, body: String, values: [(key: String, value: String)] = []) throws -> String {
        let schema = RecordType.note.schema
        var given = try FieldInput(schema: schema, context: valueContext).normalise(values + [("body", body)])
        if !given.contains(where: { $0.field.name == "category" }), let spec = schema.field(forKey: "category") {
            given.append((spec, "general"))
        }
        if !given.contains(where: { $0.field.name == "occurred_at" }), let spec = schema.field(forKey: "date") {
            given.append((spec, Timestamp.instant(clock())))
        }
        try requireFields(given, schema: schema)
        return try createDraft(type: .note, caseID: caseID, given: given)
    }

    /// Records a supervisor's management oversight on a case, final at once, and returns its id.
    /// On an enrolled store only a supervisor may (``ChangePolicy``, which the central peer asks too).
    public func addOversight(caseID: String, body: String) throws -> String {
        let given = try FieldInput(schema: RecordType.oversight.schema, context: valueContext).normalise([("body", body)])
        try requireFields(given, schema: RecordType.oversight.schema)
        let id = UUIDv7.make(at: clock())
        try pool.write { db in
            try requireCase(caseID, db)
            let writes = given.compactMap { spec, value in value.map { FieldWrite(field: spec.name, value: $0, supersedes: []) } }
                + [FieldWrite(field: RecordSchema.statusField, value: RecordStatus.final.rawValue, supersedes: [])]
            try append(db, base: nil, recordID: id, type: .oversight, caseID: caseID, kind: .create, writes: writes)
        }
        return id
    }

    private func createDraft(type: RecordType, caseID: String, given: [(field: FieldSpec, value: String?)]) throws -> String {
        let id = UUIDv7.make(at: clock())
        try pool.write { db in
            try requireCase(caseID, db)
            var writes = given.compactMap { spec, value in
                value.map { FieldWrite(field: spec.name, value: $0, supersedes: []) }
            }
            writes.append(FieldWrite(field: RecordSchema.statusField, value: RecordStatus.draft.rawValue, supersedes: []))
            try append(db, base: nil, recordID: id, type: type, caseID: caseID, kind: .create, writes: writes)
        }
        return id
    }

    func requireFields(_ given: [(field: FieldSpec, value: String?)], schema: RecordSchema) throws {
        let present = Set(given.filter { $0.value != nil }.map(\.field.name))
        let missing = schema.fields.filter { $0.requiredOnCreate && !present.contains($0.name) }.map(\.key)
        if !missing.isEmpty { throw StoreError.missingFields(missing, type: schema.type) }
    }

    func requireCase(_ caseID: String, _ db: Database) throws {
        let exists = try Bool.fetchOne(db, sql: "SELECT 1 FROM record WHERE id = ? AND type = 'case'",
                                       arguments: [caseID]) ?? false
        if !exists {
            let known = try String.fetchAll(db, sql: "SELECT id FROM record WHERE type = 'case' ORDER BY id")
            throw StoreError.noSuchCase(caseID, known: known)
        }
    }

    static func recordExists(_ id: String, _ db: Database) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT 1 FROM record WHERE id = ?", arguments: [id]) ?? false
    }

    /// Whether `id` can name a case: 1 to 40 letters, digits, `.`, `_`, `-`, starting with a letter or digit,
    /// and not in the form of a record id (a UUID).
    public static func isValidCaseID(_ id: String) -> Bool {
        guard (1...40).contains(id.count), !UUIDv7.isWellFormed(id.lowercased()), let first = id.unicodeScalars.first,
              first.properties.isASCIIHexDigit || ("A"..."Z").contains(first) || ("a"..."z").contains(first)
        else { return false }
        return id.unicodeScalars.allSatisfy {
            ("A"..."Z").contains($0) || ("a"..."z").contains($0) || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0)
        }
    }
}

extension CaseStore {
    /// Whether `value` would be accepted for `field` of `schema` now, by the same checks recording makes:
    /// `nil` if so, otherwise what is expected. Lets guided entry ask again for one answer instead of
    /// refusing the whole record at the end.
    public func problem(with value: String, for field: FieldSpec, in schema: RecordSchema) -> String? {
        do {
            _ = try FieldInput(schema: schema, context: valueContext).normalise([(field.key, value)])
            return nil
        } catch StoreError.invalidValue(_, _, let expected) {
            return expected
        } catch {
            return "\(error)"
        }
    }
}
