import Foundation
internal import GRDB

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
    /// The record's merge state (``KeptMergeState``); `nil` in rows saved before store v10, until the record
    /// is next written.
    var mergeState: Data?

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
        mergeState = Data(KeptMergeState.encode(state))
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
        mergeState = row["merge_state"]
    }

    /// Saves the row.
    func save(_ db: Database) throws {
        try Self.saveAll([self], db)
    }

    /// Saves many rows, 256 to a statement: how a batch of pulled changes is saved. Since store v9 each
    /// saved row also writes its words to the search index (FTS5, through triggers), and FTS5 writes the
    /// words it holds in memory out to a new segment at every statement that opens a savepoint, as a save
    /// with triggers does: saved one statement per row, a batch of 2,000 records made 2,000 segments to
    /// merge, and applying it took 2 to 3 times as long as without the index; in a few statements, the
    /// words are written out together.
    ///
    /// The statements for one row and for 256 are cached (the central peer saves a row for every change
    /// pushed to it, and compiling the statement cost more than running it); their arguments are cleared
    /// after each use, since a cached statement otherwise keeps the merge state's bytes bound for the life
    /// of the connection (which LeakSanitizer reported as a leak in the fuzz harness).
    static func saveAll(_ projections: [RecordProjection], _ db: Database) throws {
        for start in stride(from: 0, to: projections.count, by: 256) {
            let chunk = projections[start..<min(start + 256, projections.count)]
            var arguments = StatementArguments()
            for projection in chunk {
                arguments += [projection.id, projection.type, projection.caseID, projection.status, projection.createdBy,
                              projection.createdDevice, projection.createdAt, projection.updatedBy, projection.updatedAt,
                              projection.updatedHLC, projection.fields, projection.conflicts, projection.mergeState]
            }
            let sql = """
                INSERT OR REPLACE INTO record (id, type, case_id, status, created_by, created_device, created_at,
                                               updated_by, updated_at, updated_hlc, fields, conflicts, merge_state)
                VALUES \(Array(repeating: "(?,?,?,?,?,?,?,?,?,?,?,?,?)", count: chunk.count).joined(separator: ","))
                """
            guard chunk.count == 1 || chunk.count == 256 else {
                try db.execute(sql: sql, arguments: arguments)
                continue
            }
            let statement = try db.cachedStatement(sql: sql)
            defer { try? statement.setArguments(StatementArguments(Array(repeating: nil as String?, count: 13 * chunk.count))) }
            try statement.execute(arguments: arguments)
        }
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
        // A row saved before store v10 keeps no merge state until it is next written: nothing to compare.
        if let mergeState, mergeState != other.mergeState { names.append("merge_state") }
        return names
    }
}
