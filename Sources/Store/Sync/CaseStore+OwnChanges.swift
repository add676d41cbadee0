internal import GRDB

extension CaseStore {
    /// This device's own changes it does not hold as accepted, by sequence number, ascending: those that
    /// left with a purged case (their chain links stay in `purged_link`) and have not come back, and those
    /// the central peer quarantined (an administrator may release them into the log).
    ///
    /// A v2 pull sends a device none of its own changes but these (SPEC.md §12.4): every other change it
    /// made is in its log, so sending it back would only cost bytes. The list is read afresh for every
    /// request, so a case that comes back over several batches still brings every own change with it.
    public func ownChangesLacking() throws -> [Int64] {
        try pool.read { db in
            try Int64.fetchAll(db.cachedStatement(sql: """
                SELECT seq FROM purged_link p WHERE p.device_id = ?
                    AND NOT EXISTS (SELECT 1 FROM change_log c WHERE c.device_id = p.device_id AND c.seq = p.seq)
                UNION
                SELECT seq FROM change_receipt WHERE device_id = ? AND status = 'quarantined'
                ORDER BY seq
                """), arguments: [deviceID, deviceID])
        }
    }
}
