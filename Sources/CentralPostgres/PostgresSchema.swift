import Foundation
internal import PostgresNIO

/// The central peer's tables in PostgreSQL, created and upgraded by numbered migrations when a storage opens.
///
/// The tables mirror SQLite's (``CentralSchema`` in CentralSQLite), with what SQLite keeps in the store's own
/// tables made explicit: `central_record` holds each record's merged state (the store's `record.merge_state`)
/// and `central_log` each accepted change's wire form, hash and record (the store's `change_log`).
///
/// **Times are text**, the ISO 8601 the peer's clock stamps (`2026-10-01T09:00:00.000Z`), compared as text
/// in the C collation: byte order is time order, whatever the database's locale, and the database's own
/// `now()` is never used (several peers share one database; each stamps with its own clock).
///
/// **Two instances opening at once** take turns: the migrations run under a session advisory lock, each in
/// its own transaction, and a migration another instance applied meanwhile is skipped.
enum PostgresSchema {
    struct Migration {
        let version: Int
        let name: String
        let statements: [String]
    }

    /// Advisory lock keys of this schema: (namespace, key) pairs, so they cannot collide with another
    /// application's single-key locks on the same database.
    enum LockKey {
        static let namespace: Int32 = 0x4642_4B00 // "FBK\0"
        static let migration: Int32 = 1
        static let log: Int32 = 2
    }

    static let migrations: [Migration] = [
        Migration(version: 1, name: "central v1 on PostgreSQL", statements: [
            "CREATE TABLE central_meta (key text PRIMARY KEY, value text NOT NULL)",
            """
            CREATE TABLE central_user (
                name text COLLATE "C" PRIMARY KEY, role text NOT NULL, team text, created_at text COLLATE "C" NOT NULL)
            """,
            // Enrolment codes and device tokens are stored only as SHA-256 hashes.
            """
            CREATE TABLE central_enrolment (
                code_hash text PRIMARY KEY, user_name text NOT NULL, created_at text COLLATE "C" NOT NULL,
                expires_at text COLLATE "C" NOT NULL, used_at text COLLATE "C", device_id text)
            """,
            """
            CREATE TABLE central_device (
                device_id text PRIMARY KEY, user_name text COLLATE "C" NOT NULL, name text NOT NULL,
                token_hash text NOT NULL UNIQUE, enrolled_at text COLLATE "C" NOT NULL, revoked_at text COLLATE "C",
                last_seen_at text COLLATE "C")
            """,
            // The last change received from each device, accepted or quarantined: where its chain continues.
            "CREATE TABLE central_chain (device_id text PRIMARY KEY, seq bigint NOT NULL, hash text NOT NULL)",
            // The order changes reached the peer: pull cursors are positions in it (handed out in commit
            // order: PostgresIntake.accept).
            """
            CREATE TABLE central_log (
                cursor bigint PRIMARY KEY, device_id text NOT NULL, seq bigint NOT NULL, case_id text NOT NULL,
                record_id text NOT NULL, received_at text COLLATE "C" NOT NULL, clock_skew_ms bigint,
                hash text NOT NULL, wire bytea NOT NULL, UNIQUE (device_id, seq))
            """,
            "CREATE INDEX central_log_by_case ON central_log (case_id, cursor)",
            "CREATE INDEX central_log_by_record ON central_log (record_id, cursor)",
            // Each record's merged state (KeptMergeState), updated as each accepted change is merged.
            """
            CREATE TABLE central_record (
                record_id text PRIMARY KEY, case_id text NOT NULL, record_type text NOT NULL, target_id text,
                merge_state bytea NOT NULL)
            """,
            "CREATE INDEX central_record_amendments ON central_record (target_id) WHERE record_type = 'amendment'",
            """
            CREATE TABLE central_quarantine (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, device_id text NOT NULL, seq bigint NOT NULL,
                author text NOT NULL, case_id text NOT NULL, record_id text NOT NULL, change bytea NOT NULL,
                pushed_by text NOT NULL, reason text NOT NULL, received_at text COLLATE "C" NOT NULL,
                state text NOT NULL DEFAULT 'held', resolved_by text, resolved_at text COLLATE "C", note text)
            """,
            "CREATE INDEX central_quarantine_by_change ON central_quarantine (device_id, seq)",
            """
            CREATE TABLE central_allocation (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, case_id text NOT NULL, worker text NOT NULL,
                from_at text COLLATE "C" NOT NULL, to_at text COLLATE "C", reason text, by_user text NOT NULL)
            """,
            "CREATE INDEX central_allocation_by_worker ON central_allocation (worker) WHERE to_at IS NULL",
            // At most one open allocation a case, whichever instance allocates it.
            "CREATE UNIQUE INDEX central_allocation_open ON central_allocation (case_id) WHERE to_at IS NULL",
            "CREATE INDEX central_allocation_by_case ON central_allocation (case_id, id)",
            // Which devices have held which cases, and when they were purged.
            """
            CREATE TABLE central_custody (
                device_id text NOT NULL, case_id text NOT NULL, first_sent_at text COLLATE "C" NOT NULL,
                last_sent_at text COLLATE "C" NOT NULL, purge_requested_at text COLLATE "C", purged_at text COLLATE "C",
                PRIMARY KEY (device_id, case_id))
            """,
            // One row per case per pull that sent any of its changes. Never updated or deleted by the peer.
            """
            CREATE TABLE central_pull_audit (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at text COLLATE "C" NOT NULL, device_id text NOT NULL,
                user_name text NOT NULL, case_id text NOT NULL, changes bigint NOT NULL)
            """,
            "CREATE INDEX central_pull_audit_by_case ON central_pull_audit (case_id, id)",
            // Every version of the council's rules; the highest is in force.
            """
            CREATE TABLE central_rules (
                version bigint PRIMARY KEY, document text NOT NULL, changed_at text COLLATE "C" NOT NULL,
                changed_by text NOT NULL, change text NOT NULL)
            """,
            // Sealed runs of a case's changes in log order (SPEC.md §12.6). Never updated.
            """
            CREATE TABLE central_segment (
                case_id text NOT NULL, first_cursor bigint NOT NULL, last_cursor bigint NOT NULL,
                changes bigint NOT NULL, frame bytea NOT NULL, PRIMARY KEY (case_id, first_cursor))
            """,
            // Failed enrolments per client address, shared by every instance on this database.
            """
            CREATE TABLE central_enrolment_failure (
                address text PRIMARY KEY, failures bigint NOT NULL, last_failure text COLLATE "C" NOT NULL)
            """,
            "CREATE INDEX central_enrolment_failure_by_time ON central_enrolment_failure (last_failure)",
        ]),
    ]

    /// Brings the database's schema up to date over one connection, and returns the peer's device id (made
    /// by the first migration's instance, once per database).
    static func migrate(_ connection: PostgresConnection, logger: Logger) async throws -> String {
        try await connection.query("SELECT pg_advisory_lock(\(LockKey.namespace), \(LockKey.migration))", logger: logger)
        do {
            try await connection.query("""
                CREATE TABLE IF NOT EXISTS central_migration (
                    version integer PRIMARY KEY, name text NOT NULL)
                """, logger: logger)
            var applied: Set<Int> = []
            for try await version in try await connection.query("SELECT version FROM central_migration", logger: logger).decode(Int.self) {
                applied.insert(version)
            }
            if let newest = applied.max(), newest > (migrations.map(\.version).max() ?? 0) {
                throw PostgresOpenError("the database's schema is version \(newest), newer than this peer knows; upgrade the peer")
            }
            for migration in migrations where !applied.contains(migration.version) {
                try await connection.query("BEGIN", logger: logger)
                do {
                    for statement in migration.statements {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    if migration.version == 1 {
                        let peer = UUID().uuidString.lowercased()
                        try await connection.query("INSERT INTO central_meta (key, value) VALUES ('peer_device_id', \(peer))", logger: logger)
                    }
                    try await connection.query("INSERT INTO central_migration (version, name) VALUES (\(migration.version), \(migration.name))",
                                               logger: logger)
                    try await connection.query("COMMIT", logger: logger)
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: logger)
                    throw error
                }
            }
            var peer: String?
            for try await value in try await connection.query("SELECT value FROM central_meta WHERE key = 'peer_device_id'", logger: logger)
                .decode(String.self) {
                peer = value
            }
            _ = try? await connection.query("SELECT pg_advisory_unlock(\(LockKey.namespace), \(LockKey.migration))", logger: logger)
            guard let peer else { throw PostgresOpenError("the database has no peer device id (central_meta); it was not made by this peer") }
            return peer
        } catch {
            _ = try? await connection.query("SELECT pg_advisory_unlock(\(LockKey.namespace), \(LockKey.migration))", logger: logger)
            throw error
        }
    }
}
