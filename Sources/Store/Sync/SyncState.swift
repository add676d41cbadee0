internal import GRDB

/// This device's enrolment and sync progress, kept in `store_meta`.
public struct SyncState: Sendable, Equatable {
    /// The central peer's base URL, e.g. `https://fieldbook.example.gov.uk`.
    public var serverURL: String?
    /// The bearer token from enrolment. Only in this file; never printed.
    public var token: String?
    /// The enrolled user, who becomes the author of this device's changes.
    public var user: String?
    public var role: String?
    public var team: String?
    /// The last pull cursor applied.
    public var cursor: UInt64 = 0
    public var lastSyncAt: String?

    public var isEnrolled: Bool { serverURL != nil && token != nil && user != nil }

    static let keys = ["server_url", "token", "user", "role", "team", "cursor", "last_sync_at"]

    static func load(_ db: Database) throws -> SyncState {
        var values: [String: String] = [:]
        for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT key, value FROM store_meta WHERE key LIKE 'sync.%'")) {
            let key: String = row["key"]
            values[String(key.dropFirst(5))] = row["value"]
        }
        var state = SyncState()
        state.serverURL = values["server_url"]
        state.token = values["token"]
        state.user = values["user"]
        state.role = values["role"]
        state.team = values["team"]
        state.cursor = values["cursor"].flatMap(UInt64.init) ?? 0
        state.lastSyncAt = values["last_sync_at"]
        return state
    }

    func save(_ db: Database) throws {
        let values: [String: String?] = [
            "server_url": serverURL, "token": token, "user": user, "role": role, "team": team,
            "cursor": String(cursor), "last_sync_at": lastSyncAt,
        ]
        for (key, value) in values {
            if let value {
                try db.cachedStatement(sql: "INSERT OR REPLACE INTO store_meta (key, value) VALUES (?, ?)").execute(arguments: ["sync.\(key)", value])
            } else {
                try db.cachedStatement(sql: "DELETE FROM store_meta WHERE key = ?").execute(arguments: ["sync.\(key)"])
            }
        }
    }
}
