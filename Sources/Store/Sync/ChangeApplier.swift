package import GRDB

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
    package static func apply(_ changes: [Change], _ db: Database) throws -> [Change] {
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
        // Each record is merged from its kept state plus the batch's changes, already decoded: the cost is the
        // batch's, not the record's history. Only where no state is kept, or the kept state cannot take the
        // batch, are its earlier changes read back from the log (read before the batch is inserted).
        var projections: [RecordProjection] = []
        for (recordID, arrived) in byRecord {
            if let state = try merged(kept: try StoredRecord.kept(recordID, merging: false, db), arrived) {
                projections.append(try RecordProjection(state))
                continue
            }
            let all = try ChangeLog.changes(ofRecord: recordID, db) + arrived
            guard let state = RecordState(changes: all) else { continue }
            try refuseStray(all, state)
            projections.append(try RecordProjection(state))
        }
        for change in fresh { try ChangeLog.insert(change, db) }
        // Saved together, not one statement per record: the search index then writes its words out once.
        try RecordProjection.saveAll(projections, db)
        return fresh
    }

    /// The record merged from what the store keeps of it and the changes that arrived, or `nil` when that
    /// takes the record's earlier changes: no state kept, a version left out of the kept state became current
    /// again, or the record's type or case moved (its creating change arrived after changes naming another),
    /// which only the earlier changes can show to be a mismatch.
    private static func merged(kept: StoredRecord.Kept, _ arrived: [Change]) throws -> RecordState? {
        var state: RecordState
        switch kept {
        case .unknown: return nil
        case .absent:
            guard let first = RecordState(changes: arrived) else { return nil }
            state = first
        case .kept(let earlier):
            state = earlier
            state.apply(contentsOf: arrived)
            guard !state.needsReplay, state.recordType == earlier.recordType, state.caseID == earlier.caseID else { return nil }
        }
        try refuseStray(arrived, state)
        return state
    }

    /// Refuses the batch when one of `changes` names the record with another type or case than its merged state
    /// (the earliest such change by HLC is named).
    private static func refuseStray(_ changes: [Change], _ state: RecordState) throws {
        if let stray = changes.sorted(by: { ($0.hlc, $0.id) < ($1.hlc, $1.id) })
            .first(where: { $0.recordType != state.recordType || $0.caseID != state.caseID }) {
            throw Refusal.mismatchedRecord(stray.id, "names record \(state.recordID) with another type or case than its other changes")
        }
    }
}
