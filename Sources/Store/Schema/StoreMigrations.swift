import GRDB

/// The store's schema, as an ordered list of GRDB migrations.
///
/// Migrations are append-only: a store written by any released version opens in every later one, which
/// upgrades it in place on open. Never edit a registered migration; add a new one.
/// `Tests/StoreTests/Fixtures/store-v1.sqlite` is a store made by the first release, and a test opens it.
enum StoreMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1 local case store") { db in
            try db.execute(sql: v1)
            try db.execute(sql: ReadOnlyViews.v1)
        }
        return migrator
    }

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
