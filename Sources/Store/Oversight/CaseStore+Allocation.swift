internal import GRDB

/// One period a worker held a case, as the case record's history shows it.
public struct AllocationPeriod: Sendable, Equatable {
    public let worker: String
    /// When the allocation was recorded (the change's recording time).
    public let from: String
    /// When the next allocation replaced it; `nil` for the current one.
    public let to: String?
    public let by: String
}

extension CaseStore {
    /// Who has held a case and when, oldest first: every write of the case's `worker` field.
    public func allocationHistory(_ caseID: String) throws -> [AllocationPeriod] {
        let changes = try pool.read { db -> [Change] in
            try requireCase(caseID, db)
            return try ChangeLog.fetch(db, where: "record_id = ?", [caseID])
        }
        let writes = changes.compactMap { change -> (worker: String, at: String, by: String)? in
            guard let worker = change.write(to: "worker")?.value, !worker.isEmpty else { return nil }
            return (worker, change.recordedAt, change.author)
        }
        return writes.enumerated().map { index, write in
            AllocationPeriod(worker: write.worker, from: write.at, to: index + 1 < writes.count ? writes[index + 1].at : nil, by: write.by)
        }
    }

    /// How many different workers held the case at some time in the twelve months up to today.
    public func workersInLastYear(_ caseID: String) throws -> Int {
        let since = today.adding(months: -12).description
        return Set(try allocationHistory(caseID).filter { ($0.to ?? "9999") >= since }.map(\.worker)).count
    }
}
