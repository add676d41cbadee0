import Foundation
internal import GRDB

/// What the central peer said of one pushed change.
public struct PushReceipt: Sendable, Equatable {
    public enum Status: String, Sendable {
        case accepted, quarantined
    }
    public let id: ChangeID
    public let status: Status
    public let reason: String?
    public let quarantineID: Int64?
    /// When the peer stored an accepted change, where the answer says (protocol v2, whose pulls do not
    /// send a device's own changes back to it with this time).
    public let receivedAt: String?
    /// The clock skew the peer flagged the accepted change with, where it says.
    public let clockSkew: Int64?

    public init(id: ChangeID, status: Status, reason: String? = nil, quarantineID: Int64? = nil,
                receivedAt: String? = nil, clockSkew: Int64? = nil) {
        self.id = id
        self.status = status
        self.reason = reason
        self.quarantineID = quarantineID
        self.receivedAt = receivedAt
        self.clockSkew = clockSkew
    }
}

/// A change of this device the central peer quarantined.
public struct RejectedChange: Sendable, Equatable {
    public let id: ChangeID
    public let recordedAt: String
    public let kind: ChangeKind
    public let recordType: RecordType
    public let recordID: String
    public let caseID: String
    public let reason: String
    public let quarantineID: Int64?
    /// The change itself; `nil` once its case left this device (the central peer keeps it in quarantine).
    public let change: Change?
}

extension CaseStore {
    public func syncState() throws -> SyncState {
        try pool.read { db in try SyncState.load(db) }
    }

    /// Saves enrolment details. The author of later changes is then the enrolled user.
    public func saveEnrolment(serverURL: String, token: String, user: String, role: String, team: String?) throws {
        try pool.write { db in
            var state = try SyncState.load(db)
            state.serverURL = serverURL
            state.token = token
            state.user = user
            state.role = role
            state.team = team
            state.cursor = 0
            try state.save(db)
        }
    }

    /// This device's changes the central peer has not acknowledged yet, oldest first.
    public func pendingChanges(limit: Int) throws -> [Change] {
        try pool.read { db in
            try ChangeLog.fetch(db, where: """
                device_id = ? AND NOT EXISTS (SELECT 1 FROM change_receipt r WHERE r.device_id = change_log.device_id AND r.seq = change_log.seq)
                """, [deviceID], orderBy: "seq", limit: limit)
        }
    }

    public func pendingCount() throws -> Int {
        try pool.read { db in
            try Int.fetchOne(db.cachedStatement(sql: """
                SELECT count(*) FROM change_log c WHERE c.device_id = ?
                AND NOT EXISTS (SELECT 1 FROM change_receipt r WHERE r.device_id = c.device_id AND r.seq = c.seq)
                """), arguments: [deviceID]) ?? 0
        }
    }

    /// Records the central peer's answers to a push, in one transaction.
    /// A quarantined change leaves the merge of its record (``ChangeLog/changes(ofRecord:)``): the record
    /// is merged again at once, so it shows what the peer holds.
    public func recordReceipts(_ receipts: [PushReceipt]) throws {
        try pool.write { db in try recordReceipts(receipts, db) }
    }

    private func recordReceipts(_ receipts: [PushReceipt], _ db: Database) throws {
        do {
            var remerge: Set<String> = []
            for receipt in receipts {
                try db.execute(sql: """
                    INSERT OR REPLACE INTO change_receipt (device_id, seq, status, reason, quarantine_id, received_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """, arguments: [receipt.id.deviceID, receipt.id.seq, receipt.status.rawValue, receipt.reason, receipt.quarantineID,
                                     receipt.receivedAt])
                if let skew = receipt.clockSkew {
                    try db.execute(sql: "INSERT OR REPLACE INTO clock_skew (device_id, seq, skew_ms) VALUES (?, ?, ?)",
                                   arguments: [receipt.id.deviceID, receipt.id.seq, skew])
                }
                if receipt.status == .quarantined, let recordID = try String.fetchOne(db.cachedStatement(sql: """
                    SELECT record_id FROM change_log WHERE device_id = ? AND seq = ?
                    """), arguments: [receipt.id.deviceID, receipt.id.seq]) {
                    remerge.insert(recordID)
                }
            }
            try StoredRecord.remerge(remerge, db)
        }
    }

    /// Applies a pulled batch and saves the cursor after it in the same transaction, so an interrupted
    /// sync resumes exactly where it stopped. Cases the peer says this device no longer holds are marked
    /// stale in the same transaction: the cursor now runs past their changes, so they must arrive whole
    /// should they come back. Council rules the peer sent are kept in the same transaction too.
    /// Returns how many changes were new.
    @discardableResult
    public func applyPulled(_ changes: [Change], receivedAt: [ChangeID: String], cursor: UInt64,
                            revoked: [String] = [], rules: CouncilRules? = nil,
                            clockSkews: [ChangeID: Int64] = [:],
                            arrivals: (SyncArrivals) -> Void = { _ in }) throws -> Int {
        try pool.write { db in
            try applyPulled(changes, receivedAt: receivedAt, cursor: cursor, revoked: revoked, rules: rules,
                            clockSkews: clockSkews, arrivals: arrivals, db)
        }
    }

    /// One answer of a sync that pushes and pulls in one round trip (protocol v2), kept in **one**
    /// transaction: the receipts of what was pushed, the pulled batch with its cursor, and, when `finishing`
    /// (nothing more to pull or push), the time of the sync. Each commit waits for the disk (an fsync, a
    /// millisecond or more on a laptop), so a sync of one new visit commits once here, not three times;
    /// and nothing is weaker for it: a sync killed before this commit finds the pushed changes pending and
    /// sends them again, and the peer answers them as duplicates.
    @discardableResult
    public func applySyncAnswer(receipts: [PushReceipt], pulled changes: [Change], receivedAt: [ChangeID: String],
                                cursor: UInt64, revoked: [String] = [], rules: CouncilRules? = nil,
                                clockSkews: [ChangeID: Int64] = [:], arrival: ArrivalProgress? = nil, finishing: Bool,
                                arrivals: (SyncArrivals) -> Void = { _ in }) throws -> Int {
        try pool.write { db in
            try recordReceipts(receipts, db)
            let fresh = try applyPulled(changes, receivedAt: receivedAt, cursor: cursor, revoked: revoked, rules: rules,
                                        clockSkews: clockSkews, arrivals: arrivals, db)
            try arrival?.save(db)
            if finishing { try markSynced(db) }
            return fresh
        }
    }

    private func applyPulled(_ changes: [Change], receivedAt: [ChangeID: String], cursor: UInt64, revoked: [String],
                             rules: CouncilRules?, clockSkews: [ChangeID: Int64], arrivals: (SyncArrivals) -> Void,
                             _ db: Database) throws -> Int {
        do {
            let fresh = try ChangeApplier.apply(changes, db)
            for (id, skew) in clockSkews {
                try db.execute(sql: "INSERT OR REPLACE INTO clock_skew (device_id, seq, skew_ms) VALUES (?, ?, ?)",
                               arguments: [id.deviceID, id.seq, skew])
            }
            // The peer is the authority on rules: what it sends replaces what this device held.
            if let rules { try rules.save(db) }
            for caseID in Set(changes.map(\.caseID)) {
                try db.cachedStatement(sql: "DELETE FROM stale_case WHERE case_id = ?").execute(arguments: [caseID])
            }
            for caseID in revoked {
                try db.cachedStatement(sql: "INSERT OR IGNORE INTO stale_case (case_id) VALUES (?)").execute(arguments: [caseID])
            }
            // When the peer received other devices' changes, which the case record shows (`chronology`, `export`).
            // Kept as accepted receipts: pending and rejected count only this device's own, so nothing changes there.
            // One prepared statement for the batch: parsed per change, the SQL cost more than the row.
            let receipt = try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO change_receipt (device_id, seq, status, received_at) VALUES (?, ?, 'accepted', ?)
                """)
            for change in changes where change.id.deviceID != deviceID {
                guard let received = receivedAt[change.id], !received.isEmpty else { continue }
                try receipt.execute(arguments: [change.id.deviceID, change.id.seq, received])
            }
            var released: Set<String> = []
            for change in changes where change.id.deviceID == deviceID {
                guard let received = receivedAt[change.id] else { continue }
                // Quarantined here but accepted there (an administrator released it): it joins the merge.
                if try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM change_receipt WHERE device_id = ? AND seq = ? AND status = 'quarantined'"),
                                     arguments: [change.id.deviceID, change.id.seq]) == true {
                    released.insert(change.recordID)
                }
                // A change of ours coming back means the peer holds it as accepted (also after a release).
                try db.execute(sql: """
                    INSERT INTO change_receipt (device_id, seq, status, received_at) VALUES (?, ?, 'accepted', ?)
                    ON CONFLICT (device_id, seq) DO UPDATE SET status = 'accepted', reason = NULL, received_at = excluded.received_at
                    """, arguments: [change.id.deviceID, change.id.seq, received])
            }
            try StoredRecord.remerge(released, db)
            var state = try SyncState.load(db)
            state.cursor = cursor
            try state.save(db)
            arrivals(try SyncArrivals.of(fresh, user: author, deviceID: deviceID, db))
            return fresh.count
        }
    }

    public func markSynced() throws {
        try pool.write { db in try markSynced(db) }
    }

    private func markSynced(_ db: Database) throws {
        var state = try SyncState.load(db)
        state.lastSyncAt = Timestamp.iso8601(milliseconds: Timestamp.milliseconds(clock()))
        try state.save(db)
    }

    /// This device's changes the central peer quarantined, with its reasons, oldest first: those of cases
    /// it still holds, and those of cases purged since (listed without their content).
    public func rejectedChanges() throws -> [RejectedChange] {
        try pool.read { db in
            let held = try Row.fetchAll(db.cachedStatement(sql: """
                SELECT r.reason, r.quarantine_id, c.* FROM change_receipt r
                JOIN change_log c ON c.device_id = r.device_id AND c.seq = r.seq
                WHERE r.status = 'quarantined'
                """)).map { row in
                let change = try ChangeLog.decode(row)
                return RejectedChange(id: change.id, recordedAt: change.recordedAt, kind: change.kind, recordType: change.recordType,
                                      recordID: change.recordID, caseID: change.caseID, reason: row["reason"] ?? "",
                                      quarantineID: row["quarantine_id"], change: change)
            }
            let purged = try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM purged_rejection")).compactMap { row -> RejectedChange? in
                guard let kind = ChangeKind(rawValue: row["kind"]), let type = RecordType(rawValue: row["record_type"]) else { return nil }
                return RejectedChange(id: ChangeID(deviceID: row["device_id"], seq: row["seq"]), recordedAt: row["recorded_at"], kind: kind,
                                      recordType: type, recordID: row["record_id"], caseID: row["case_id"], reason: row["reason"] ?? "",
                                      quarantineID: row["quarantine_id"], change: nil)
            }
            return (held + purged).sorted { $0.id < $1.id }
        }
    }

    public func rejectedCount() throws -> Int {
        try pool.read { db in
            try Int.fetchOne(db.cachedStatement(sql: """
                SELECT (SELECT count(*) FROM change_receipt WHERE status = 'quarantined') + (SELECT count(*) FROM purged_rejection)
                """)) ?? 0
        }
    }

    public func conflictCount() throws -> Int {
        // The `conflicts` view's rows, counted through the index of records in conflict.
        try pool.read { db in
            try (Int.fetchOne(db.cachedStatement(sql: "SELECT count(*) FROM record r, json_each(r.conflicts) c WHERE r.conflicts IS NOT NULL")) ?? 0)
                + amendmentConflicts(db).count
        }
    }

    /// Cases whose records this device holds and keeps up to date: all cases but stale ones.
    public func heldCases() throws -> [String] {
        try pool.read { db in
            try String.fetchAll(db.cachedStatement(sql: """
                SELECT id FROM record WHERE type = 'case' AND id NOT IN (SELECT case_id FROM stale_case)
                AND id NOT IN (SELECT case_id FROM arriving_case) ORDER BY id
                """))
        }
    }

    /// Cases marked stale: the peer asked for their purge while work on them was still unsent.
    public func staleCases() throws -> [String] {
        try pool.read { db in try String.fetchAll(db.cachedStatement(sql: "SELECT case_id FROM stale_case ORDER BY case_id")) }
    }

    /// Removes a case that is no longer allocated to this device's user: its changes and records leave the
    /// device, the purge is logged, and the hash-chain links of this device's own changes stay for verify.
    ///
    /// - Returns: `false` (and purges nothing) while changes of the case wait to be pushed.
    @discardableResult
    public func purgeCase(_ caseID: String) throws -> Bool {
        try pool.write { db in
            let pending = try Int.fetchOne(db.cachedStatement(sql: """
                SELECT count(*) FROM change_log c WHERE c.case_id = ? AND c.device_id = ?
                AND NOT EXISTS (SELECT 1 FROM change_receipt r WHERE r.device_id = c.device_id AND r.seq = c.seq)
                """), arguments: [caseID, deviceID]) ?? 0
            guard pending == 0 else { return false }
            try db.execute(sql: """
                INSERT OR IGNORE INTO purged_link (device_id, seq, prev_hash, hash)
                SELECT device_id, seq, prev_hash, hash FROM change_log WHERE case_id = ? AND device_id = ?
                """, arguments: [caseID, deviceID])
            let changes = try Int.fetchOne(db.cachedStatement(sql: "SELECT count(*) FROM change_log WHERE case_id = ?"), arguments: [caseID]) ?? 0
            let records = try Int.fetchOne(db.cachedStatement(sql: "SELECT count(*) FROM record WHERE case_id = ?"), arguments: [caseID]) ?? 0
            // Rejections stay listed (without the child's record): the peer keeps them in its quarantine.
            try db.execute(sql: """
                INSERT OR IGNORE INTO purged_rejection (device_id, seq, recorded_at, kind, record_type, record_id, case_id,
                                                        reason, quarantine_id, purged_at)
                SELECT c.device_id, c.seq, c.recorded_at, c.kind, c.record_type, c.record_id, c.case_id, r.reason, r.quarantine_id, ?
                FROM change_receipt r JOIN change_log c ON c.device_id = r.device_id AND c.seq = r.seq
                WHERE r.status = 'quarantined' AND c.case_id = ?
                """, arguments: [Timestamp.iso8601(milliseconds: Timestamp.milliseconds(clock())), caseID])
            try db.execute(sql: """
                DELETE FROM change_receipt WHERE (device_id, seq) IN (SELECT device_id, seq FROM change_log WHERE case_id = ?)
                """, arguments: [caseID])
            try db.execute(sql: """
                DELETE FROM clock_skew WHERE (device_id, seq) IN (SELECT device_id, seq FROM change_log WHERE case_id = ?)
                """, arguments: [caseID])
            // The purged changes may hold the highest clock this device has seen: keep it (never backwards).
            try ClockHighWater.raiseToLog(db)
            try db.cachedStatement(sql: "DELETE FROM change_log WHERE case_id = ?").execute(arguments: [caseID])
            // The triggers take the case's text out of the search index with its records; merging the index
            // then drops those words from its pages too, not only from its results.
            try db.cachedStatement(sql: "DELETE FROM record WHERE case_id = ?").execute(arguments: [caseID])
            try SearchIndex.optimize(db)
            try db.cachedStatement(sql: "DELETE FROM stale_case WHERE case_id = ?").execute(arguments: [caseID])
            try db.cachedStatement(sql: "DELETE FROM arriving_case WHERE case_id = ?").execute(arguments: [caseID])
            try db.execute(sql: "INSERT INTO purge_log (case_id, purged_at, changes, records) VALUES (?, ?, ?, ?)",
                           arguments: [caseID, Timestamp.iso8601(milliseconds: Timestamp.milliseconds(clock())), changes, records])
            return true
        }
    }

    /// Purged cases not yet reported to the central peer.
    public func unreportedPurges() throws -> [String] {
        try pool.read { db in try String.fetchAll(db.cachedStatement(sql: "SELECT DISTINCT case_id FROM purge_log WHERE reported = 0")) }
    }

    public func markPurgesReported(_ caseIDs: [String]) throws {
        guard !caseIDs.isEmpty else { return }
        try pool.write { db in
            for id in caseIDs { try db.cachedStatement(sql: "UPDATE purge_log SET reported = 1 WHERE case_id = ?").execute(arguments: [id]) }
        }
    }
}

extension CaseStore {
    /// Creates a draft record on `caseID` with the given stored field values: how an administrator moves a
    /// quarantined visit or note to the case it belongs to. Returns the new record's id.
    public func copyRecord(type: RecordType, caseID: String, fields: [String: String?]) throws -> String {
        guard type == .visit || type == .note else {
            throw StoreError.notEditable(id: caseID, reason: "only visits and notes can be copied to another case")
        }
        let allowed = Set(type.schema.fields.map(\.name))
        let id = UUIDv7.make(at: clock())
        try pool.write { db in
            try requireCase(caseID, db)
            var writes = fields.compactMap { field, value -> FieldWrite? in
                guard allowed.contains(field), let value else { return nil }
                return FieldWrite(field: field, value: value, supersedes: [])
            }
            writes.append(FieldWrite(field: RecordSchema.statusField, value: RecordStatus.draft.rawValue, supersedes: []))
            try append(db, base: nil, recordID: id, type: type, caseID: caseID, kind: .create, writes: writes)
        }
        return id
    }
}
