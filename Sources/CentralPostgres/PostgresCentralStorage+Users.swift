import Central
import Foundation
internal import PostgresNIO
import SyncProtocol

/// Users, devices, enrolment codes and failed enrolments on PostgreSQL.
extension PostgresCentralStorage {
    public func addUser(_ user: CentralUser, now: String) async throws {
        let added = try await rows("""
            INSERT INTO central_user (name, role, team, created_at) VALUES (\(user.name), \(user.role.rawValue), \(user.team), \(now))
            ON CONFLICT (name) DO NOTHING RETURNING name
            """)
        guard !added.isEmpty else { throw CentralAdminError("user \(user.name) already exists") }
    }

    public func users() async throws -> [CentralUser] {
        try await rows("SELECT name, role, team FROM central_user ORDER BY name").compactMap(Self.user)
    }

    public func user(named name: String) async throws -> CentralUser? {
        try await rows("SELECT name, role, team FROM central_user WHERE name = \(name)").first.flatMap(Self.user)
    }

    /// A user from its row (name, role, team); `nil` for a role this peer does not know.
    static func user(_ row: PostgresRow) throws -> CentralUser? {
        let (name, role, team) = try row.decode((String, String, String?).self)
        return CentralRole(rawValue: role).map { CentralUser(name: name, role: $0, team: team) }
    }

    public func addEnrolmentCode(hash: String, user: String, now: String, expiresAt: String) async throws {
        try await run("""
            INSERT INTO central_enrolment (code_hash, user_name, created_at, expires_at) VALUES (\(hash), \(user), \(now), \(expiresAt))
            """)
    }

    /// Takes the code by marking it used in the same statement that checks it is unused and unexpired, so
    /// that two instances redeeming one code at once cannot both succeed; registers the device in the same
    /// transaction.
    public func redeemEnrolmentCode(hash: String, deviceID: String, deviceName: String, tokenHash: String, now: String) async throws -> CentralUser? {
        let logger = logger
        do {
            return try await transaction { connection in try await Self.redeem(hash: hash, deviceID: deviceID, deviceName: deviceName,
                                                                                tokenHash: tokenHash, now: now, connection, logger) }
        } catch is Unredeemed {
            return nil
        }
    }

    private static func redeem(hash: String, deviceID: String, deviceName: String, tokenHash: String, now: String,
                               _ connection: PostgresConnection, _ logger: Logger) async throws -> CentralUser {
        let taken = try await connection.query("""
            UPDATE central_enrolment SET used_at = \(now), device_id = \(deviceID)
            WHERE code_hash = \(hash) AND used_at IS NULL AND expires_at > \(now)
            RETURNING user_name
            """, logger: logger).collect()
        guard let userName = try taken.first?.decode(String.self),
              let user = try await connection.query("SELECT name, role, team FROM central_user WHERE name = \(userName)", logger: logger)
                  .collect().first.flatMap(Self.user)
        else { throw Unredeemed() }
        // A store enrols again with a new code from its user (its answer was lost, or it was revoked):
        // the device keeps its id and chain and gets a new token. Another user's code cannot take it over.
        let owners = try await connection.query("SELECT user_name FROM central_device WHERE device_id = \(deviceID) FOR UPDATE",
                                                logger: logger).collect()
        if let owner = try owners.first?.decode(String.self) {
            guard owner == user.name else {
                throw ProtocolError.conflict("device \(deviceID) is enrolled to another user; enrol a new store")
            }
            try await connection.query("""
                UPDATE central_device SET token_hash = \(tokenHash), name = \(deviceName), revoked_at = NULL, enrolled_at = \(now)
                WHERE device_id = \(deviceID)
                """, logger: logger)
        } else {
            try await connection.query("""
                INSERT INTO central_device (device_id, user_name, name, token_hash, enrolled_at)
                VALUES (\(deviceID), \(user.name), \(deviceName), \(tokenHash), \(now))
                """, logger: logger)
        }
        return user
    }

    public func device(tokenHash: String) async throws -> CentralDevice? {
        try await rows("SELECT \(unescaped: Self.deviceColumns) FROM central_device WHERE token_hash = \(tokenHash)").first.map(Self.device)
    }

    public func devices() async throws -> [CentralDevice] {
        try await rows("SELECT \(unescaped: Self.deviceColumns) FROM central_device ORDER BY user_name, enrolled_at").map(Self.device)
    }

    static let deviceColumns = "device_id, user_name, name, enrolled_at, revoked_at, last_seen_at"

    static func device(_ row: PostgresRow) throws -> CentralDevice {
        let (id, user, name, enrolledAt, revokedAt, lastSeenAt) = try row.decode((String, String, String, String, String?, String?).self)
        return CentralDevice(id: id, user: user, name: name, enrolledAt: enrolledAt, revokedAt: revokedAt, lastSeenAt: lastSeenAt)
    }

    public func revokeDevice(_ id: String, now: String) async throws -> Bool {
        !(try await rows("""
            UPDATE central_device SET revoked_at = \(now) WHERE device_id = \(id) AND revoked_at IS NULL RETURNING device_id
            """).isEmpty)
    }

    public func touchDevice(_ id: String, now: String) async throws {
        // At most once a minute: each write is a commit, and the audit needs no finer time. The minute is
        // counted on the peer's clock (`now`), never the database's.
        // A `now` that is not a time is stored only where nothing was (as SQLite, whose time arithmetic
        // then gives NULL).
        guard let earlier = Self.minuteBefore(now) else {
            return try await run("UPDATE central_device SET last_seen_at = \(now) WHERE device_id = \(id) AND last_seen_at IS NULL")
        }
        try await run("""
            UPDATE central_device SET last_seen_at = \(now)
            WHERE device_id = \(id) AND (last_seen_at IS NULL OR last_seen_at < \(earlier))
            """)
    }

    /// `now` less sixty seconds, in the peer's ISO 8601 form; `nil` if `now` is not one.
    static func minuteBefore(_ now: String) -> String? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let plain = ISO8601DateFormatter()
        guard let date = formatter.date(from: now) ?? plain.date(from: now) else { return nil }
        return formatter.string(from: date.addingTimeInterval(-60))
    }

    // MARK: Enrolment failures

    public func enrolmentFailures(from address: String) async throws -> (count: Int, last: String)? {
        try await rows("SELECT failures, last_failure FROM central_enrolment_failure WHERE address = \(address)").first.map { row in
            let (count, last) = try row.decode((Int64, String).self)
            return (Int(clamping: count), last)
        }
    }

    public func recordEnrolmentFailure(from address: String, now: String, forgetBefore: String) async throws {
        let logger = logger
        try await transaction { connection in
            try await connection.query("DELETE FROM central_enrolment_failure WHERE last_failure < \(forgetBefore)", logger: logger)
            try await connection.query("""
                INSERT INTO central_enrolment_failure (address, failures, last_failure) VALUES (\(address), 1, \(now))
                ON CONFLICT (address) DO UPDATE SET failures = central_enrolment_failure.failures + 1, last_failure = excluded.last_failure
                """, logger: logger)
        }
    }

    public func clearEnrolmentFailures(from address: String) async throws {
        try await run("DELETE FROM central_enrolment_failure WHERE address = \(address)")
    }
}

/// An enrolment code that was unknown, used or expired: its transaction is rolled back (nothing changed)
/// and ``PostgresCentralStorage/redeemEnrolmentCode(hash:deviceID:deviceName:tokenHash:now:)`` answers `nil`.
struct Unredeemed: Error {}
