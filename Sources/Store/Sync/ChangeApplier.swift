import GRDB

/// Adds changes that arrived from elsewhere to a store's change log and re-merges the records they touch,
/// inside the caller's transaction. Used by the client for pulled changes and by the central peer for
/// accepted pushes: one merge, the same everywhere.
public enum ChangeApplier {
    /// Why a batch of remote changes was refused as a whole (nothing of it is applied).
    public enum Refusal: Error, Equatable, CustomStringConvertible {
        case badHash(ChangeID)
        case mismatchedRecord(ChangeID, String)

        public var description: String {
            switch self {
            case .badHash(let id): return "change \(id) does not match its hash"
            case .mismatchedRecord(let id, let why): return "change \(id) \(why)"
            }
        }
    }

    /// Inserts every change not already in the log and saves the merged state of each touched record.
    ///
    /// - Returns: the changes that were new. Changes already present (same id and hash) are skipped, which
    ///   makes re-delivery harmless.
    @discardableResult
    public static func apply(_ changes: [Change], _ db: Database) throws -> [Change] {
        var fresh: [Change] = []
        var seen: Set<ChangeID> = []
        for change in changes where seen.insert(change.id).inserted {
            guard change.hashIsValid else { throw Refusal.badHash(change.id) }
            let lookup = try db.cachedStatement(sql: "SELECT hash FROM change_log WHERE device_id = ? AND seq = ?")
            let existing = try String.fetchOne(lookup, arguments: [change.id.deviceID, change.id.seq])
            if let existing {
                guard existing == change.hash else {
                    throw Refusal.mismatchedRecord(change.id, "differs from the change with the same id already stored")
                }
                continue
            }
            fresh.append(change)
        }
        var byRecord: [String: [Change]] = [:]
        for change in fresh { byRecord[change.recordID, default: []].append(change) }
        // Each record is merged from the changes it had before this batch plus the batch's own, which are
        // already decoded: only the earlier ones are read back (none, for a record seen the first time).
        var earlier: [String: [Change]] = [:]
        for recordID in byRecord.keys {
            earlier[recordID] = try ChangeLog.changes(ofRecord: recordID, db)
        }
        for change in fresh { try ChangeLog.insert(change, db) }
        var projections: [RecordProjection] = []
        for (recordID, arrived) in byRecord {
            let all = ((earlier[recordID] ?? []) + arrived).sorted { ($0.hlc, $0.id) < ($1.hlc, $1.id) }
            guard let state = RecordState(changes: all) else { continue }
            if let stray = all.first(where: { $0.recordType != state.recordType || $0.caseID != state.caseID }) {
                throw Refusal.mismatchedRecord(stray.id, "names record \(recordID) with another type or case than its other changes")
            }
            projections.append(try RecordProjection(state))
        }
        // Saved together, not one statement per record: the search index then writes its words out once.
        try RecordProjection.saveAll(projections, db)
        return fresh
    }
}
