import Central
import Foundation
import Logging
internal import PostgresNIO
import Store
import SwiftProtobuf
import SyncProtocol

/// Records' merged states in `central_record`, and the logged changes they are merged from.
///
/// A record's state is kept as ``KeptMergeState`` bytes, so that merging a pushed change costs the change
/// and the record's current registers, not its history. Where the kept state cannot carry on (a value it
/// left out became current again: ``RecordState/needsReplay``, or the bytes are not a state of a known
/// format), the record is merged again from its changes in the log, as the SQLite store does.
struct PostgresRecords {
    let connection: PostgresConnection
    let logger: Logger

    /// The merged states of `ids` that have one. With `locking`, their rows stay locked (`FOR UPDATE`, in
    /// record id order, so two intakes lock shared records in the same order) until the transaction ends:
    /// a concurrent intake of the same record waits, and judges against what this one merged.
    func states(_ ids: Set<String>, locking: Bool) async throws -> [String: RecordState] {
        guard !ids.isEmpty else { return [:] }
        let lock = locking ? " FOR UPDATE" : ""
        let rows = try await connection.query("""
            SELECT record_id, merge_state FROM central_record WHERE record_id = ANY(\(ids.sorted()))
            ORDER BY record_id \(unescaped: lock)
            """, logger: logger).collect()
        var states: [String: RecordState] = [:]
        for row in rows {
            let (recordID, bytes) = try row.decode((String, Data).self)
            if let kept = KeptMergeState.decode([UInt8](bytes), recordID: recordID), !kept.needsReplay {
                states[recordID] = kept
            } else if let replayed = try await replay(recordID) {
                states[recordID] = replayed
            }
        }
        return states
    }

    /// The record merged from every change of it in the log.
    func replay(_ recordID: String) async throws -> RecordState? {
        RecordState(changes: try await changes(ofRecord: recordID))
    }

    /// Every logged change of a record, in log order.
    func changes(ofRecord recordID: String) async throws -> [Change] {
        let rows = try await connection.query("""
            SELECT wire FROM central_log WHERE record_id = \(recordID) ORDER BY cursor
            """, logger: logger).collect()
        return try rows.map { row in try Fieldbook_V1_Change(serializedBytes: [UInt8](try row.decode(Data.self))).decoded() }
    }

    /// Merges accepted changes (already in the log) into their records: each record's row is locked, its
    /// state read, the changes applied and the state saved; records with no row yet are inserted.
    ///
    /// A record the intake read as absent (`judgedAbsent`) that has a row now was created by a concurrent
    /// intake after the read: its changes were judged against a record that no longer is what it was, so
    /// the intake fails as a conflict and the peer judges them again. (A concurrent insert not yet
    /// committed makes the insert fail on the key, the same conflict.)
    func merge(_ changes: [Change], judgedAbsent: Set<String> = []) async throws {
        var byRecord: [String: [Change]] = [:]
        for change in changes { byRecord[change.recordID, default: []].append(change) }
        let rows = try await connection.query("""
            SELECT record_id, merge_state FROM central_record WHERE record_id = ANY(\(byRecord.keys.sorted()))
            ORDER BY record_id FOR UPDATE
            """, logger: logger).collect()
        var kept: [String: Data] = [:]
        for row in rows {
            let (recordID, bytes) = try row.decode((String, Data).self)
            kept[recordID] = bytes
        }
        if let created = kept.keys.sorted().first(where: judgedAbsent.contains) {
            throw CentralStorageError.conflict("record \(created) was created by a concurrent intake")
        }
        var inserted: [RecordState] = []
        var updated: [RecordState] = []
        for (recordID, arrived) in byRecord.sorted(by: { $0.key < $1.key }) {
            guard let state = try await merged(kept[recordID], arrived) else { continue }
            if kept[recordID] == nil { inserted.append(state) } else { updated.append(state) }
        }
        try await save(inserted, new: true)
        try await save(updated, new: false)
    }

    /// The record's kept state (`nil`: it has no row) with `arrived` applied, or the record replayed from
    /// the log (which holds `arrived` already) when the kept state cannot take them, as ``ChangeApplier``
    /// does on SQLite: its bytes are unreadable, a value it left out became current again, or the record's
    /// type or case moved.
    private func merged(_ kept: Data?, _ arrived: [Change]) async throws -> RecordState? {
        guard let first = arrived.first else { return nil }
        var state: RecordState?
        if let kept {
            if let earlier = KeptMergeState.decode([UInt8](kept), recordID: first.recordID, merging: false) {
                var next = earlier
                next.apply(contentsOf: arrived)
                if !next.needsReplay, next.recordType == earlier.recordType, next.caseID == earlier.caseID { state = next }
            }
            if state == nil { state = try await replay(first.recordID) }
        } else {
            state = RecordState(changes: arrived)
        }
        guard let state else { return nil }
        if let stray = arrived.sorted(by: { ($0.hlc, $0.id) < ($1.hlc, $1.id) })
            .first(where: { $0.recordType != state.recordType || $0.caseID != state.caseID }) {
            throw ChangeApplier.Refusal.mismatchedRecord(stray.id, "names record \(state.recordID) with another type or case than its other changes")
        }
        return state
    }

    /// Saves merged states: new rows inserted (failing on a row a concurrent intake inserted first), known
    /// rows updated. One statement each, whatever the number of records.
    private func save(_ states: [RecordState], new: Bool) async throws {
        guard !states.isEmpty else { return }
        let ids = states.map(\.recordID)
        let cases = states.map(\.caseID)
        let types = states.map(\.recordType.rawValue)
        // An amendment names the record it corrects: a snapshot finds it by this column.
        let targets = states.map { $0.recordType == .amendment ? ($0.value("target_id") ?? "") : "" }
        let bytes = states.map { ByteBuffer(bytes: KeptMergeState.encode($0)) }
        if new {
            try await connection.query("""
                INSERT INTO central_record (record_id, case_id, record_type, target_id, merge_state)
                SELECT id, c, t, nullif(g, ''), m FROM unnest(\(ids)::text[], \(cases)::text[], \(types)::text[],
                                                      \(targets)::text[], \(bytes)::bytea[]) AS u(id, c, t, g, m)
                """, logger: logger)
        } else {
            try await connection.query("""
                UPDATE central_record r SET case_id = u.c, record_type = u.t, target_id = nullif(u.g, ''), merge_state = u.m
                FROM unnest(\(ids)::text[], \(cases)::text[], \(types)::text[], \(targets)::text[], \(bytes)::bytea[])
                    AS u(id, c, t, g, m)
                WHERE r.record_id = u.id
                """, logger: logger)
        }
    }

    /// The record with its amendments: the records whose `target_id` names it.
    func snapshot(_ recordID: String) async throws -> RecordSnapshot? {
        guard let state = try await states([recordID], locking: false)[recordID] else { return nil }
        let rows = try await connection.query("""
            SELECT record_id FROM central_record WHERE record_type = 'amendment' AND target_id = \(recordID) ORDER BY record_id
            """, logger: logger).collect()
        let amendmentIDs = try rows.map { try $0.decode(String.self) }
        let amendments = try await states(Set(amendmentIDs), locking: false)
        return RecordSnapshot(state: state, amendments: amendmentIDs.compactMap { amendments[$0] })
    }

    /// The allocations of each of `cases`, oldest first; cases never allocated are left out.
    static func allocations(of cases: Set<String>, _ connection: PostgresConnection, _ logger: Logger) async throws -> [String: [Allocation]] {
        guard !cases.isEmpty else { return [:] }
        let rows = try await connection.query("""
            SELECT case_id, worker, from_at, to_at, reason, by_user FROM central_allocation
            WHERE case_id = ANY(\(cases.sorted())) ORDER BY id
            """, logger: logger).collect()
        var allocations: [String: [Allocation]] = [:]
        for row in rows {
            let (caseID, worker, from, to, reason, by) = try row.decode((String, String, String, String?, String?, String).self)
            allocations[caseID, default: []].append(Allocation(caseID: caseID, worker: worker, from: from, to: to, reason: reason, by: by))
        }
        return allocations
    }
}
