import Central
internal import GRDB
import Store
import SyncProtocol

extension SQLiteCentralStorage {
    public func rules() async throws -> CouncilRules {
        try await read { db in try Self.currentRules(db) }
    }

    public func saveRules(_ rules: CouncilRules, by: String, change: String, now: String) async throws {
        try await write { db in
            let current = try Self.currentRules(db)
            guard rules.version == current.version + 1 else {
                throw CentralAdminError("the rules changed meanwhile (now version \(current.version)); nothing was saved, try again")
            }
            try db.execute(sql: "INSERT INTO central_rules (version, document, changed_at, changed_by, change) VALUES (?, ?, ?, ?, ?)",
                           arguments: [Int64(rules.version), rules.jsonText(), now, by, change])
        }
    }

    public func rulesHistory() async throws -> [RulesChange] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT version, changed_at, changed_by, change FROM central_rules ORDER BY version").map { row in
                RulesChange(version: UInt64(row["version"] as Int64), changedAt: row["changed_at"], changedBy: row["changed_by"],
                            change: row["change"])
            }
        }
    }

    private static func currentRules(_ db: Database) throws -> CouncilRules {
        guard let text = try String.fetchOne(db.cachedStatement(sql: "SELECT document FROM central_rules ORDER BY version DESC LIMIT 1")) else {
            // Never changed: the shipped defaults, version 0.
            return .defaults
        }
        do {
            return try CouncilRules(jsonText: text)
        } catch {
            throw CentralAdminError("the stored council rules cannot be used (\(error)); central.sqlite needs checking")
        }
    }
}
