internal import GRDB

/// How far the cases arriving on this device by segment have come (protocol v2, SPEC.md §12.6).
///
/// A case arrives by segment when the device does not hold it: its changes up to a *horizon* come in runs,
/// over one answer or several, while the cursor stays where it was. Until a case is whole it is not reported
/// as held, so the peer goes on sending it; its progress (the last cursor of the last segment received) is
/// kept in the same transaction as the segment's changes, so a sync stopped anywhere resumes where the store
/// is, never past it.
public struct ArrivalProgress: Sendable, Equatable {
    /// The horizon of the arrival in progress; 0 when none is.
    public var horizon: UInt64
    /// Cases arriving and not yet whole, with the last cursor of the last segment of each received.
    public var through: [String: UInt64]

    public init(horizon: UInt64 = 0, through: [String: UInt64] = [:]) {
        self.horizon = horizon
        self.through = through
    }

    /// The progress after an answer: `received` segments' ends (case and last cursor, in answer order), the
    /// cases now whole, and the horizon the answer gave (0 once the arrival is done).
    public func after(received: [(caseID: String, lastCursor: UInt64)], arrived: [String], horizon: UInt64) -> ArrivalProgress {
        var through = self.through
        for segment in received { through[segment.caseID] = max(through[segment.caseID] ?? 0, segment.lastCursor) }
        for caseID in arrived { through[caseID] = nil }
        // Once the arrival is done, a case left over (the peer revoked it part way) is no longer arriving:
        // it is reported as held, so the peer asks for its purge.
        return ArrivalProgress(horizon: horizon, through: horizon == 0 ? [:] : through)
    }

    static let horizonKey = "sync.arrival_horizon"

    static func load(_ db: Database) throws -> ArrivalProgress {
        let horizon = try String.fetchOne(db.cachedStatement(sql: "SELECT value FROM store_meta WHERE key = ?"), arguments: [horizonKey]).flatMap(UInt64.init) ?? 0
        var through: [String: UInt64] = [:]
        for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT case_id, through FROM arriving_case")) {
            through[row["case_id"]] = UInt64(row["through"] as Int64)
        }
        return ArrivalProgress(horizon: horizon, through: through)
    }

    func save(_ db: Database) throws {
        if horizon == 0 {
            try db.cachedStatement(sql: "DELETE FROM store_meta WHERE key = ?").execute(arguments: [Self.horizonKey])
        } else {
            try db.cachedStatement(sql: "INSERT OR REPLACE INTO store_meta (key, value) VALUES (?, ?)").execute(arguments: [Self.horizonKey, String(horizon)])
        }
        try db.cachedStatement(sql: "DELETE FROM arriving_case").execute()
        let insert = try db.cachedStatement(sql: "INSERT INTO arriving_case (case_id, through) VALUES (?, ?)")
        for (caseID, through) in through.sorted(by: { $0.key < $1.key }) {
            try insert.execute(arguments: [caseID, Int64(clamping: through)])
        }
    }
}

extension CaseStore {
    /// The arrival by segment in progress, if any.
    public func arrivalProgress() throws -> ArrivalProgress {
        try pool.read { db in try ArrivalProgress.load(db) }
    }
}
