/// The documented SQL views: the read-only interface of the store for `sql` and for scripts.
///
/// Their names and columns are a contract (docs/SQL.md). Yes/no fields read as 1/0; missing values as NULL;
/// dates as `YYYY-MM-DD`, instants as UTC ISO 8601. Tables underneath may change between versions; the
/// views keep their columns.
public enum ReadOnlyViews {
    /// The view names, which the `sql` command allows and nothing else.
    public static let names: Set<String> = ["cases", "visits", "notes", "amendments", "oversight", "conflicts", "changes",
                                            "clock_skews"]

    /// Version 3 of `cases`: adds `long_term` (1 for a CLA placement intended to last until 18).
    static let casesV3 = """
        CREATE VIEW cases AS
        SELECT id AS case_id,
               json_extract(fields, '$.child_name')      AS child_name,
               json_extract(fields, '$.dob')             AS dob,
               json_extract(fields, '$.category')        AS category,
               json_extract(fields, '$.worker')          AS worker,
               json_extract(fields, '$.placement_start') AS placement_start,
               json_extract(fields, '$.plan_start')      AS plan_start,
               created_by, created_at, updated_by, updated_at,
               (SELECT count(*) FROM json_each(conflicts)) AS conflicted_fields,
               CASE json_extract(fields, '$.long_term') WHEN 'yes' THEN 1 WHEN 'no' THEN 0 END AS long_term
        FROM record WHERE type = 'case';
        """

    /// Changes made on a device whose clock was wrong by more than five minutes when it pushed them
    /// (version 6): `skew_ms` is the device's clock minus the central peer's.
    static let clockSkewsV6 = """
        CREATE VIEW clock_skews AS
        SELECT c.device_id, c.seq, c.author, c.record_id, c.record_type, c.case_id, c.recorded_at, s.skew_ms
        FROM clock_skew s JOIN change_log c ON c.device_id = s.device_id AND c.seq = s.seq;
        """

    /// Management oversight entries (version 4).
    static let oversightV4 = """
        CREATE VIEW oversight AS
        SELECT id, case_id,
               json_extract(fields, '$.body') AS body,
               created_by AS author,
               created_at AS recorded_at,
               created_device AS device
        FROM record WHERE type = 'oversight';
        """

    static let v1 = """
        CREATE VIEW cases AS
        SELECT id AS case_id,
               json_extract(fields, '$.child_name')      AS child_name,
               json_extract(fields, '$.dob')             AS dob,
               json_extract(fields, '$.category')        AS category,
               json_extract(fields, '$.worker')          AS worker,
               json_extract(fields, '$.placement_start') AS placement_start,
               json_extract(fields, '$.plan_start')      AS plan_start,
               created_by, created_at, updated_by, updated_at,
               (SELECT count(*) FROM json_each(conflicts)) AS conflicted_fields
        FROM record WHERE type = 'case';

        CREATE VIEW visits AS
        SELECT id, case_id,
               json_extract(fields, '$.occurred_at')  AS occurred_at,
               created_at                             AS recorded_at,
               created_by                             AS author,
               created_device                         AS device,
               json_extract(fields, '$.type')         AS type,
               CASE json_extract(fields, '$.seen') WHEN 'yes' THEN 1 WHEN 'no' THEN 0 END         AS seen,
               CASE json_extract(fields, '$.seen_alone') WHEN 'yes' THEN 1 WHEN 'no' THEN 0 END   AS seen_alone,
               json_extract(fields, '$.alone_reason') AS alone_reason,
               CASE json_extract(fields, '$.bedroom_seen') WHEN 'yes' THEN 1 WHEN 'no' THEN 0 END AS bedroom_seen,
               json_extract(fields, '$.present')      AS present,
               json_extract(fields, '$.location')     AS location,
               json_extract(fields, '$.wishes')       AS wishes,
               json_extract(fields, '$.observations') AS observations,
               json_extract(fields, '$.analysis')     AS analysis,
               json_extract(fields, '$.actions')      AS actions,
               status,
               json_extract(fields, '$.delete_reason') AS delete_reason,
               updated_by, updated_at,
               (SELECT count(*) FROM json_each(conflicts)) AS conflicted_fields
        FROM record WHERE type = 'visit';

        CREATE VIEW notes AS
        SELECT id, case_id,
               created_by                             AS author,
               json_extract(fields, '$.category')     AS category,
               json_extract(fields, '$.body')         AS body,
               json_extract(fields, '$.occurred_at')  AS occurred_at,
               created_at                             AS recorded_at,
               created_device                         AS device,
               status,
               json_extract(fields, '$.delete_reason') AS delete_reason,
               updated_by, updated_at,
               (SELECT count(*) FROM json_each(conflicts)) AS conflicted_fields
        FROM record WHERE type = 'note';

        CREATE VIEW amendments AS
        SELECT id, case_id,
               json_extract(fields, '$.target_id') AS target_id,
               json_extract(fields, '$.reason')    AS reason,
               json_extract(fields, '$.corrected') AS corrected,
               created_by                          AS author,
               created_at                          AS recorded_at,
               created_device                      AS device
        FROM record WHERE type = 'amendment';

        CREATE VIEW conflicts AS
        SELECT r.id AS record_id, r.type AS record_type, r.case_id,
               c.key AS field,
               json_array_length(c.value) AS versions,
               json_extract(r.fields, '$.' || c.key) AS provisional,
               c.value AS siblings
        FROM record r, json_each(r.conflicts) c;

        CREATE VIEW changes AS
        SELECT device_id, seq, hlc, recorded_at, author, record_id, record_type, case_id, kind,
               (SELECT group_concat(json_extract(w.value, '$.f'), ',') FROM json_each(writes) w) AS fields,
               writes, sealed, prev_hash, hash
        FROM change_log;
        """
}
