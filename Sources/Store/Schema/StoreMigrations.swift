package import GRDB

/// The store's schema, as an ordered list of GRDB migrations.
///
/// (Since v2, `change_log` rows of a case purged from the device are deleted with it; their hash-chain
/// links stay in `purged_link`.)
///
/// Migrations are append-only: a store written by any released version opens in every later one, which
/// upgrades it in place on open. Never edit a registered migration; add a new one.
/// `Tests/StoreTests/Fixtures/store-v1.sqlite` is a store made by the first release, and a test opens it.
public enum StoreMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1 local case store") { db in
            try db.execute(sql: v1)
            try db.execute(sql: ReadOnlyViews.v1)
        }
        migrator.registerMigration("v2 sync receipts and purges") { db in
            try db.execute(sql: v2)
        }
        migrator.registerMigration("v3 cases view with long_term") { db in
            try db.execute(sql: "DROP VIEW cases")
            try db.execute(sql: ReadOnlyViews.casesV3)
        }
        migrator.registerMigration("v4 oversight view") { db in
            try db.execute(sql: ReadOnlyViews.oversightV4)
        }
        migrator.registerMigration("v5 indexes for every sync") { db in
            // Each sync lists the held cases and counts conflicts; without these, both read every record
            // (several milliseconds on a caseload of 5,000 records: W4 in docs/BENCHMARKS.md).
            try db.execute(sql: """
                CREATE INDEX record_cases ON record(id) WHERE type = 'case';
                CREATE INDEX record_in_conflict ON record(id) WHERE conflicts IS NOT NULL;
                """)
        }
        migrator.registerMigration("v6 clock skew flags") { db in
            // Set by the central peer on changes pushed from a device whose clock was wrong (SPEC §3.10).
            try db.execute(sql: """
                CREATE TABLE clock_skew (
                    device_id TEXT NOT NULL, seq INTEGER NOT NULL, skew_ms INTEGER NOT NULL,
                    PRIMARY KEY (device_id, seq)) WITHOUT ROWID;
                """)
            try db.execute(sql: ReadOnlyViews.clockSkewsV6)
        }
        migrator.registerMigration("v7 records merged with sealed means sealed") { db in
            // The merge rules changed (SPEC §6.4: raced writes and resolutions on sealed records, broken
            // visit rules, a device's own quarantined changes out of its merge): every record is merged
            // again from its changes, so stored rows equal what verify replays. Rows are saved as today's code
            // saves them, with their merge state, so the column of v10 is added here already.
            try addMergeStateColumn(db)
            try StoredRecord.remerge(try String.fetchAll(db, sql: "SELECT id FROM record UNION SELECT record_id FROM change_log"), db)
        }
        migrator.registerMigration("v8 rejections kept through a purge") { db in
            // What stays of this device's quarantined changes when their case leaves it: enough to keep them
            // listed by `rejected` (the central peer holds their content), none of the child's record.
            try db.execute(sql: """
                CREATE TABLE purged_rejection (
                    device_id TEXT NOT NULL, seq INTEGER NOT NULL, recorded_at TEXT NOT NULL, kind TEXT NOT NULL,
                    record_type TEXT NOT NULL, record_id TEXT NOT NULL, case_id TEXT NOT NULL, reason TEXT,
                    quarantine_id INTEGER, purged_at TEXT NOT NULL,
                    PRIMARY KEY (device_id, seq)) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v9 full-text search") { db in
            // The words of every visit, note and oversight entry for `search`, kept in step with `record` by
            // triggers (SearchIndex says why), and filled here from the records already stored.
            try SearchIndex.create(db)
        }
        migrator.registerMigration("v10 merge state kept per record, amendments indexed") { db in
            // Each record's registers, so a change is merged without replaying the record's history
            // (KeptMergeState). Rows already stored get theirs when next written; until then they are merged
            // from the change log as before, and `verify` compares those it has.
            try addMergeStateColumn(db)
            // Amendments found without reading every record: each sync counts conflicts between amendments,
            // and a scan of 5,000 records' text was most of the time of a sync of one visit (6 of 10 ms).
            try db.execute(sql: "CREATE INDEX record_amendment ON record(id) WHERE type = 'amendment'")
        }
        migrator.registerMigration("v11 cases arriving by segment") { db in
            // Cases whose changes are arriving by segment (protocol v2, SPEC.md §12.6) and are not whole yet,
            // with the last cursor of the last segment received: they are not reported as held until whole,
            // so the rest is still sent. The arrival's horizon is in store_meta.
            try db.execute(sql: "CREATE TABLE arriving_case (case_id TEXT PRIMARY KEY NOT NULL, through INTEGER NOT NULL) WITHOUT ROWID")
        }
        return migrator
    }

    /// Adds `record.merge_state` unless v7 added it already (a store migrated from before v7 in one go).
    private static func addMergeStateColumn(_ db: Database) throws {
        guard try !db.columns(in: "record").contains(where: { $0.name == "merge_state" }) else { return }
        try db.execute(sql: "ALTER TABLE record ADD COLUMN merge_state BLOB")
    }

    /// Opens `writer` with the store's schema, plus `extra` migrations registered after the store's own
    /// (the central peer's tables).
    package static func migrate(_ writer: some DatabaseWriter, extra: (inout DatabaseMigrator) -> Void = { _ in }) throws {
        var migrator = self.migrator
        extra(&migrator)
        try migrator.migrate(writer)
    }

    private static let v2 = """
        -- What the central peer said of a change: for this device's own changes, absence means pending.
        CREATE TABLE change_receipt (
            device_id     TEXT    NOT NULL,
            seq           INTEGER NOT NULL,
            status        TEXT    NOT NULL CHECK (status IN ('accepted', 'quarantined')),
            reason        TEXT,
            quarantine_id INTEGER,
            received_at   TEXT,
            PRIMARY KEY (device_id, seq)
        );

        -- Hash-chain links of this device's changes removed with a purged case: the content leaves the
        -- device, the link stays so verify can still follow the chain.
        CREATE TABLE purged_link (
            device_id TEXT    NOT NULL,
            seq       INTEGER NOT NULL,
            prev_hash TEXT    NOT NULL,
            hash      TEXT    NOT NULL,
            PRIMARY KEY (device_id, seq)
        );

        -- Cases the central peer asked this device to purge while it still had unsent work on them. The
        -- device leaves them out of the cases it reports holding, so that if they are allocated back they
        -- arrive whole; otherwise they are purged once the work has gone.
        CREATE TABLE stale_case (case_id TEXT PRIMARY KEY NOT NULL);

        -- Audit of cases purged from this device after they were allocated elsewhere.
        CREATE TABLE purge_log (
            case_id   TEXT    NOT NULL,
            purged_at TEXT    NOT NULL,
            changes   INTEGER NOT NULL,
            records   INTEGER NOT NULL,
            reported  INTEGER NOT NULL DEFAULT 0
        );
        """

    private static let v1 = """
        CREATE TABLE store_meta (
            key   TEXT PRIMARY KEY NOT NULL,
            value TEXT NOT NULL
        );

        -- The change log: the source of truth. One row per change, never updated or deleted.
        CREATE TABLE change_log (
            device_id   TEXT    NOT NULL,
            seq         INTEGER NOT NULL CHECK (seq > 0),
            hlc         INTEGER NOT NULL,
            recorded_at TEXT    NOT NULL,
            author      TEXT    NOT NULL,
            record_id   TEXT    NOT NULL,
            record_type TEXT    NOT NULL,
            case_id     TEXT    NOT NULL,
            kind        TEXT    NOT NULL,
            writes      TEXT    NOT NULL,   -- JSON array of {f, v, s}
            sealed      TEXT    NOT NULL,   -- JSON array of change ids
            prev_hash   TEXT    NOT NULL,
            hash        TEXT    NOT NULL,
            PRIMARY KEY (device_id, seq)
        );
        CREATE INDEX change_log_by_record ON change_log(record_id);
        CREATE INDEX change_log_by_hlc ON change_log(hlc);

        -- Records: the merge of each record's changes, kept so reads need no replay.
        CREATE TABLE record (
            id             TEXT PRIMARY KEY NOT NULL,
            type           TEXT NOT NULL,
            case_id        TEXT NOT NULL,
            status         TEXT,
            created_by     TEXT,
            created_device TEXT,
            created_at     TEXT,
            updated_by     TEXT,
            updated_at     TEXT,
            updated_hlc    INTEGER NOT NULL,
            fields         TEXT NOT NULL,   -- JSON object: provisional value of each field
            conflicts      TEXT             -- JSON object: field -> [current versions], or NULL
        );
        CREATE INDEX record_by_case ON record(case_id, type);
        """

}
