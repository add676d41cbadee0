package import GRDB

/// The full-text index behind `search`: the words of every visit, note and oversight entry, kept in step
/// with the `record` table by SQLite triggers, in the transaction of the statement that changes the row.
///
/// ## Why triggers
///
/// A `record` row is written in four places: ``CaseStore/append`` (every local change), ``ChangeApplier``
/// (pulled changes, and the central peer's accepted pushes), ``StoredRecord/remerge`` (receipts, releases,
/// migration v7, which also deletes rows whose creation was quarantined), and ``CaseStore/purgeCase(_:)``
/// (deletes a case's rows). An explicit call from each would be one more line every future writer must not
/// forget, and a forgotten one leaves text findable after its case left the device, or a record missing from
/// search, with nothing to say so. Triggers on `record` fire for every insert, replace, update and delete,
/// whoever runs it, inside that statement's transaction: the index cannot drift from the records, and a
/// rollback takes both back together. The text a record contributes is defined once, by the view
/// `search_source`, which the triggers, the v9 fill, ``rebuild(_:)`` and `verify` all read.
///
/// ## The tables
///
/// - `search_text`: one row per visit, note and oversight entry, holding exactly the text indexed.
///   Its `docid` is an `INTEGER PRIMARY KEY`, so it is stable (`VACUUM` may renumber the implicit rowids
///   of `record`, whose key is a text id) and the FTS5 row of a record is found without a scan.
/// - `search_index`: an FTS5 table with `search_text` as its external content, maintained by the usual
///   three triggers on `search_text`. `snippet()` reads the text back from `search_text`, and FTS5's
///   `integrity-check` compares the index with it.
///
/// Updating `search_text` only when a record's text changed (the upsert's `WHERE ... IS NOT`) keeps
/// finalising, deleting or syncing a status from rewriting the index.
///
/// ## What is searchable
///
/// A visit's `wishes`, `observations`, `analysis`, `actions`, `present` and `location`; a note's and an
/// oversight entry's `body`. The corrected text of an amendment counts for the record it corrects
/// (column `amended`), so the words of a correction find the record; the original words stay findable
/// too, as they stay in the record. Every version of a field in conflict other than the one shown is in
/// `conflicting`, so words a colleague wrote in a raced edit are found as well. Cases and the amendments
/// themselves are not documents: `cases` lists children, and an amendment is found through its target.
///
/// ## The tokenizer: `porter unicode61 remove_diacritics 2`
///
/// `unicode61` splits on Unicode word boundaries and folds case; `remove_diacritics 2` makes `Zoe` find
/// `Zoë` and `Chloé`, however the name was typed on either laptop. The Porter stemmer on top makes `visit`,
/// `visits`, `visited` and `visiting` one word, and `bruise` find `bruising`: workers search for a thing,
/// not for the inflection a colleague happened to write, and missing a record is worse than listing one
/// more. Porter is for English, the language of recording in England; its rare over-joins (`university`
/// with `universe`) cost a line in the results, ranked below closer matches by bm25.
///
/// ## What it costs (W7 in docs/BENCHMARKS.md)
///
/// FTS5 writes a new segment of its index for each transaction that changes it, and at each statement that
/// opens a savepoint (a save with triggers does): about 0.3 ms more to record a visit in its own
/// transaction. Pulled batches are saved a few statements for many records (``RecordProjection/saveAll``)
/// so their words are written out together. The central peer's replica, which nobody searches and which
/// accepts pushes one statement at a time, drops the index (``StoreMigrations/dropSearchIndex(_:)``).
enum SearchIndex {
    /// The text columns, in the order of the FTS5 table's columns: the stored field names of visits,
    /// notes and oversight entries, then an amendment's corrections, then a conflict's other versions.
    static let fieldColumns = ["body", "wishes", "observations", "analysis", "actions", "present", "location"]
    static let columns = fieldColumns + ["amended", "conflicting"]

    /// The record types that are documents.
    static let documentTypes = ["visit", "note", "oversight"]

    /// Creates the index and fills it from the records already stored (migration "v9 full-text search").
    static func create(_ db: Database) throws {
        try db.execute(sql: schema)
        try db.execute(sql: "INSERT INTO search_text (record_id, \(columnList)) SELECT record_id, \(columnList) FROM search_source")
    }

    /// Makes the index again from the records: for `search --rebuild`, after `verify` found it damaged.
    /// Everything is dropped and created afresh, so a dropped trigger or damaged FTS5 pages are mended too
    /// (deleting rows through a damaged index could fail).
    static func rebuild(_ db: Database) throws {
        try drop(db)
        try create(db)
        try optimize(db)
    }

    /// Removes the index and its triggers: for a store whose records nobody searches. The central peer's
    /// replica drops it (migration "central v5"): it accepts pushed changes one at a time, and keeping the
    /// index in step took three quarters of its throughput (W5 in docs/BENCHMARKS.md).
    static func drop(_ db: Database) throws {
        for trigger in triggers { try db.execute(sql: "DROP TRIGGER IF EXISTS \(trigger)") }
        try db.execute(sql: "DROP VIEW IF EXISTS search_source")
        try db.execute(sql: "DROP TABLE IF EXISTS search_index")
        try db.execute(sql: "DROP TABLE IF EXISTS search_text")
    }

    /// Whether this store keeps an index at all (the central peer's replica keeps none).
    static func isKept(_ db: Database) throws -> Bool {
        try db.tableExists("search_text") || db.tableExists("search_index")
    }

    /// The triggers that keep the index in step: three on `record`, three on `search_text`.
    static let triggers = ["search_record_inserted", "search_record_updated", "search_record_deleted",
                           "search_text_inserted", "search_text_updated", "search_text_deleted"]

    /// The parts of a kept index that are not there (a trigger dropped with the sqlite3 shell: the index
    /// would stop following the records without a word), for `verify`. None for a store that keeps no index.
    static func missingParts(_ db: Database) throws -> [String] {
        guard try isKept(db) else { return [] }
        let present = Set(try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type IN ('trigger', 'table', 'view')"))
        return (["search_text", "search_index", "search_source"] + triggers).filter { !present.contains($0) }
    }

    /// Merges the index into one segment, which drops the entries of deleted documents. Run after a purge,
    /// so the words of a case that left the device leave the index's pages too, not only its results.
    static func optimize(_ db: Database) throws {
        try db.execute(sql: "INSERT INTO search_index (search_index) VALUES ('optimize')")
    }

    /// What differs between the index and the records, for `verify`: the ids of records whose indexed text
    /// is not what they hold now (or that are missing from the index, or indexed without existing), at most
    /// `limit` of them, and how many in all.
    static func staleRecords(_ db: Database, limit: Int = 5) throws -> (ids: [String], count: Int) {
        let differing = """
            SELECT record_id FROM (SELECT record_id, \(columnList) FROM search_source
                                   EXCEPT SELECT record_id, \(columnList) FROM search_text)
            UNION
            SELECT record_id FROM (SELECT record_id, \(columnList) FROM search_text
                                   EXCEPT SELECT record_id, \(columnList) FROM search_source)
            """
        let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM (\(differing))") ?? 0
        let ids = try String.fetchAll(db, sql: "SELECT record_id FROM (\(differing)) ORDER BY record_id LIMIT ?", arguments: [limit])
        return (ids, count)
    }

    /// FTS5's own check that its index holds exactly the words of `search_text` (with `rank` 1: for an
    /// external-content table, without it only the index's own structure is checked). Needs a write
    /// transaction (it is spelt as an insert), though it writes nothing. Returns SQLite's complaint, or `nil`.
    static func integrityProblem(_ db: Database) throws -> String? {
        do {
            try db.execute(sql: "INSERT INTO search_index (search_index, rank) VALUES ('integrity-check', 1)")
            return nil
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CORRUPT {
            return error.message ?? "\(error.resultCode)"
        }
    }

    private static var columnList: String { columns.joined(separator: ", ") }

    /// `json_extract` of a field of the record's merged values (`record.fields`, written by the store).
    private static func field(_ name: String) -> String { "json_extract(r.fields, '$.\(name)')" }

    private static var quotedFieldNames: String { fieldColumns.map { "'\($0)'" }.joined(separator: ", ") }

    /// The view that defines each document's text, and the triggers. Amendments are found by their target
    /// through `record_by_case` (an amendment is on its target's case). Their `corrected` text and a
    /// conflict's versions are JSON inside JSON: read only when valid, so a malformed value from elsewhere
    /// can never make a write fail, and only text values of searchable fields count.
    private static var schema: String {
        let names = quotedFieldNames
        let setColumns = columns.map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
        let oldColumns = columns.map { "old.\($0)" }.joined(separator: ", ")
        let newColumns = columns.map { "new.\($0)" }.joined(separator: ", ")
        let mine = "(\(columns.map { "search_text.\($0)" }.joined(separator: ", ")))"
        let theirs = "(\(columns.map { "excluded.\($0)" }.joined(separator: ", ")))"
        let types = documentTypes.map { "'\($0)'" }.joined(separator: ", ")
        /// The record's own text, inserted or brought up to date.
        func upsert(_ id: String) -> String {
            """
            INSERT INTO search_text (record_id, \(columnList))
                SELECT record_id, \(columnList) FROM search_source WHERE record_id = \(id)
                ON CONFLICT (record_id) DO UPDATE SET \(setColumns) WHERE \(mine) IS NOT \(theirs);
            """
        }
        /// The corrections of the record an amendment row names, brought up to date.
        func reamend(_ row: String) -> String {
            """
            UPDATE search_text SET amended = (SELECT s.amended FROM search_source s WHERE s.record_id = search_text.record_id)
                WHERE \(row).type = 'amendment' AND record_id = json_extract(\(row).fields, '$.target_id')
                AND amended IS NOT (SELECT s.amended FROM search_source s WHERE s.record_id = search_text.record_id);
            """
        }
        return """
            CREATE TABLE search_text (
                docid     INTEGER PRIMARY KEY,
                record_id TEXT NOT NULL UNIQUE,
                \(columns.map { "\($0) TEXT" }.joined(separator: ",\n    "))
            );

            CREATE VIRTUAL TABLE search_index USING fts5(
                \(columnList),
                content = 'search_text', content_rowid = 'docid',
                tokenize = 'porter unicode61 remove_diacritics 2'
            );

            CREATE TRIGGER search_text_inserted AFTER INSERT ON search_text BEGIN
                INSERT INTO search_index (rowid, \(columnList)) VALUES (new.docid, \(newColumns));
            END;
            CREATE TRIGGER search_text_deleted AFTER DELETE ON search_text BEGIN
                INSERT INTO search_index (search_index, rowid, \(columnList)) VALUES ('delete', old.docid, \(oldColumns));
            END;
            CREATE TRIGGER search_text_updated AFTER UPDATE ON search_text BEGIN
                INSERT INTO search_index (search_index, rowid, \(columnList)) VALUES ('delete', old.docid, \(oldColumns));
                INSERT INTO search_index (rowid, \(columnList)) VALUES (new.docid, \(newColumns));
            END;

            CREATE VIEW search_source AS
            SELECT r.id AS record_id,
                \(fieldColumns.map { "\(field($0)) AS \($0)" }.joined(separator: ",\n    ")),
                (SELECT group_concat(value, char(10)) FROM (
                    SELECT c.value AS value
                    FROM record a, json_each(CASE WHEN json_valid(json_extract(a.fields, '$.corrected'))
                                                  THEN json_extract(a.fields, '$.corrected') END) c
                    WHERE a.case_id = r.case_id AND a.type = 'amendment' AND json_extract(a.fields, '$.target_id') = r.id
                      AND c.key IN (\(names)) AND c.type = 'text'
                    ORDER BY a.id, c.key)) AS amended,
                (SELECT group_concat(value, char(10)) FROM (
                    SELECT json_extract(v.value, '$.value') AS value
                    FROM json_each(CASE WHEN json_valid(r.conflicts) THEN r.conflicts END) f, json_each(f.value) v
                    WHERE f.key IN (\(names)) AND json_type(v.value, '$.value') = 'text'
                      AND json_extract(v.value, '$.value') IS NOT json_extract(r.fields, '$.' || f.key)
                    ORDER BY f.key, v.key)) AS conflicting
            FROM record r
            WHERE r.type IN (\(types));

            CREATE TRIGGER search_record_inserted AFTER INSERT ON record BEGIN
                \(upsert("new.id"))
                \(reamend("new"))
            END;
            CREATE TRIGGER search_record_updated AFTER UPDATE ON record BEGIN
                DELETE FROM search_text WHERE record_id = old.id
                    AND NOT EXISTS (SELECT 1 FROM search_source WHERE record_id = old.id);
                \(upsert("new.id"))
                \(reamend("old"))
                \(reamend("new"))
            END;
            CREATE TRIGGER search_record_deleted AFTER DELETE ON record BEGIN
                DELETE FROM search_text WHERE record_id = old.id;
                \(reamend("old"))
            END;
            """
    }
}

extension StoreMigrations {
    /// Removes the search index from a store whose records nobody searches: the central peer's replica
    /// (see ``SearchIndex``). `verify` then checks no index, and `search` says there is none.
    package static func dropSearchIndex(_ db: Database) throws {
        try SearchIndex.drop(db)
    }
}
