import GRDB

/// The `record` table row for a merged record: what reads use, and what `verify` recomputes and compares.
struct RecordProjection: Equatable {
    var id: String
    var type: String
    var caseID: String
    var status: String?
    var createdBy: String?
    var createdDevice: String?
    var createdAt: String?
    var updatedBy: String?
    var updatedAt: String?
    var updatedHLC: Int64
    var fields: String
    var conflicts: String?

    init(_ state: RecordState) throws {
        id = state.recordID
        type = state.recordType.rawValue
        caseID = state.caseID
        status = state.status?.rawValue
        createdBy = state.creation?.author
        createdDevice = state.creation?.id.deviceID
        createdAt = state.creation?.recordedAt
        updatedBy = state.lastChange?.author
        updatedAt = state.lastChange?.recordedAt
        updatedHLC = state.lastChange?.hlc.rawValue ?? 0
        fields = CompactJSON.encode(state.values)
        let conflicted = state.conflictedFields
        if conflicted.isEmpty {
            conflicts = nil
        } else {
            var siblings: [String: [FieldVersion]] = [:]
            for field in conflicted { siblings[field] = state.fields[field]?.current ?? [] }
            conflicts = try JSONCoding.string(siblings)
        }
    }

    init(row: Row) {
        id = row["id"]
        type = row["type"]
        caseID = row["case_id"]
        status = row["status"]
        createdBy = row["created_by"]
        createdDevice = row["created_device"]
        createdAt = row["created_at"]
        updatedBy = row["updated_by"]
        updatedAt = row["updated_at"]
        updatedHLC = row["updated_hlc"]
        fields = row["fields"]
        conflicts = row["conflicts"]
    }

    func save(_ db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO record (id, type, case_id, status, created_by, created_device, created_at,
                                           updated_by, updated_at, updated_hlc, fields, conflicts)
            VALUES (?,?,?,?,?,?,?,?,?,?,?,?)
            """).execute(arguments: [id, type, caseID, status, createdBy, createdDevice, createdAt, updatedBy,
                             updatedAt, updatedHLC, fields, conflicts])
    }

    /// The names of the columns whose stored value differs from `other`'s.
    func differences(from other: RecordProjection) -> [String] {
        var names: [String] = []
        if type != other.type { names.append("type") }
        if caseID != other.caseID { names.append("case_id") }
        if status != other.status { names.append("status") }
        if createdBy != other.createdBy { names.append("created_by") }
        if createdDevice != other.createdDevice { names.append("created_device") }
        if createdAt != other.createdAt { names.append("created_at") }
        if updatedBy != other.updatedBy { names.append("updated_by") }
        if updatedAt != other.updatedAt { names.append("updated_at") }
        if updatedHLC != other.updatedHLC { names.append("updated_hlc") }
        if fields != other.fields { names.append("fields") }
        if conflicts != other.conflicts { names.append("conflicts") }
        return names
    }
}
