import Central
internal import GRDB
import Store
import SyncProtocol

/// The central peer's own tables, migrated after the store schema in the same file.
enum CentralSchema {
    static func register(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("central v1") { db in
            try db.execute(sql: """
                CREATE TABLE central_user (
                    name TEXT PRIMARY KEY NOT NULL, role TEXT NOT NULL, team TEXT, created_at TEXT NOT NULL);
                -- Enrolment codes and device tokens are stored only as SHA-256 hashes.
                CREATE TABLE central_enrolment (
                    code_hash TEXT PRIMARY KEY NOT NULL, user TEXT NOT NULL, created_at TEXT NOT NULL,
                    expires_at TEXT NOT NULL, used_at TEXT, device_id TEXT);
                CREATE TABLE central_device (
                    device_id TEXT PRIMARY KEY NOT NULL, user TEXT NOT NULL, name TEXT NOT NULL,
                    token_hash TEXT NOT NULL UNIQUE, enrolled_at TEXT NOT NULL, revoked_at TEXT, last_seen_at TEXT);
                -- The last change received from each device, accepted or quarantined: where its chain continues.
                CREATE TABLE central_chain (device_id TEXT PRIMARY KEY NOT NULL, seq INTEGER NOT NULL, hash TEXT NOT NULL);
                -- The order changes reached the peer: pull cursors are positions in it.
                CREATE TABLE central_log (
                    cursor INTEGER PRIMARY KEY AUTOINCREMENT, device_id TEXT NOT NULL, seq INTEGER NOT NULL,
                    received_at TEXT NOT NULL, UNIQUE (device_id, seq));
                CREATE TRIGGER central_log_on_change AFTER INSERT ON change_log BEGIN
                    INSERT OR IGNORE INTO central_log (device_id, seq, received_at)
                    VALUES (NEW.device_id, NEW.seq, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
                END;
                CREATE INDEX change_log_by_case ON change_log(case_id);
                CREATE TABLE central_quarantine (
                    id INTEGER PRIMARY KEY AUTOINCREMENT, device_id TEXT NOT NULL, seq INTEGER NOT NULL,
                    author TEXT NOT NULL, case_id TEXT NOT NULL, record_id TEXT NOT NULL, change BLOB NOT NULL,
                    pushed_by TEXT NOT NULL,
                    reason TEXT NOT NULL, received_at TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'held',
                    resolved_by TEXT, resolved_at TEXT, note TEXT);
                CREATE TABLE central_allocation (
                    id INTEGER PRIMARY KEY AUTOINCREMENT, case_id TEXT NOT NULL, worker TEXT NOT NULL,
                    from_at TEXT NOT NULL, to_at TEXT, reason TEXT, by_user TEXT NOT NULL);
                CREATE INDEX central_allocation_by_case ON central_allocation(case_id, to_at);
                -- Which devices have held which cases, and when they were purged.
                CREATE TABLE central_custody (
                    device_id TEXT NOT NULL, case_id TEXT NOT NULL, first_sent_at TEXT NOT NULL,
                    last_sent_at TEXT NOT NULL, purge_requested_at TEXT, purged_at TEXT,
                    PRIMARY KEY (device_id, case_id));
                """)
        }
        migrator.registerMigration("central v2: council rules") { db in
            try db.execute(sql: """
                -- Every version of the council's visit and recording rules; the highest is in force.
                CREATE TABLE central_rules (
                    version INTEGER PRIMARY KEY NOT NULL, document TEXT NOT NULL, changed_at TEXT NOT NULL,
                    changed_by TEXT NOT NULL, change TEXT NOT NULL);
                """)
        }
        migrator.registerMigration("central v3: clock skew") { db in
            // How far the pushing device's clock was from the peer's, where beyond the tolerance (SPEC §3.10).
            try db.execute(sql: "ALTER TABLE central_log ADD COLUMN clock_skew_ms INTEGER")
        }
        migrator.registerMigration("central v4: pull audit") { db in
            // One row per case per pull that sent any of its changes: who received which child's records,
            // when, and on which device. Never updated or deleted by the peer.
            try db.execute(sql: """
                CREATE TABLE central_pull_audit (
                    id INTEGER PRIMARY KEY, at TEXT NOT NULL, device_id TEXT NOT NULL, user TEXT NOT NULL,
                    case_id TEXT NOT NULL, changes INTEGER NOT NULL);
                CREATE INDEX central_pull_audit_by_case ON central_pull_audit(case_id, id);
                """)
        }
        migrator.registerMigration("central v5: no search index on the replica") { db in
            // Nobody searches the peer's replica, and keeping store v9's full-text index in step as each
            // pushed change is accepted took three quarters of the peer's throughput (W5).
            try StoreMigrations.dropSearchIndex(db)
        }
        migrator.registerMigration("central v6: case segments") { db in
            // Sealed runs of a case's changes in log order, framed and compressed once and sent as they are
            // to every device the case arrives on (SPEC.md §12.6). Never updated: the log they copy is
            // append-only.
            try db.execute(sql: """
                CREATE TABLE central_segment (
                    case_id TEXT NOT NULL, first_cursor INTEGER NOT NULL, last_cursor INTEGER NOT NULL,
                    changes INTEGER NOT NULL, frame BLOB NOT NULL, PRIMARY KEY (case_id, first_cursor));
                """)
        }
        migrator.registerMigration("central v7: the log in wire form, stamped by the peer") { db in
            // Each change the peer accepts is stored in the log with its case and its wire form (the v1
            // message, SPEC.md §5), encoded once at acceptance: a pull reads the log alone and decodes no
            // JSON. The peer stamps received_at with its own clock; the trigger now stamps only the
            // replica's own changes (case details, allocations), which reach the log without the intake.
            try db.execute(sql: """
                ALTER TABLE central_log ADD COLUMN case_id TEXT;
                ALTER TABLE central_log ADD COLUMN wire BLOB;
                UPDATE central_log SET case_id = (
                    SELECT c.case_id FROM change_log c WHERE c.device_id = central_log.device_id AND c.seq = central_log.seq);
                CREATE INDEX central_log_by_case ON central_log(case_id, cursor);
                DROP TRIGGER central_log_on_change;
                CREATE TRIGGER central_log_on_change AFTER INSERT ON change_log BEGIN
                    INSERT OR IGNORE INTO central_log (device_id, seq, case_id, received_at)
                    VALUES (NEW.device_id, NEW.seq, NEW.case_id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
                END;
                """)
        }
        migrator.registerMigration("central v8: enrolment failures and one open allocation") { db in
            // Failed enrolments per client address, so that every instance on this database throttles the
            // same attempts (they were kept in one process's memory); and at most one open allocation a case.
            try db.execute(sql: """
                CREATE TABLE central_enrolment_failure (
                    address TEXT PRIMARY KEY NOT NULL, failures INTEGER NOT NULL, last_failure TEXT NOT NULL);
                CREATE UNIQUE INDEX central_allocation_open ON central_allocation(case_id) WHERE to_at IS NULL;
                """)
        }
        migrator.registerMigration("central v9: the peer's own changes through the intake") { db in
            // Cases added and allocated by an administrator were written through the replica's store, and a
            // trigger put them in the log. They now enter through the intake, as the peer's own device's
            // chain: that chain continues from the replica's last change, and the trigger goes (the peer's
            // clock stamps every received time).
            try db.execute(sql: """
                INSERT OR REPLACE INTO central_chain (device_id, seq, hash)
                SELECT device_id, seq, hash FROM change_log
                WHERE device_id = (SELECT value FROM store_meta WHERE key = 'device_id')
                ORDER BY seq DESC LIMIT 1;
                DROP TRIGGER central_log_on_change;
                """)
        }
    }
}
