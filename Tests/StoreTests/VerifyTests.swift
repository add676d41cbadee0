import Foundation
import GRDB
import Testing
@testable import Store

/// `verify` against a store file edited behind the store's back, as someone with the sqlite3 shell could.
@Suite struct VerifyTests {
    let folder: TemporaryFolder
    let clock = TestClock()
    let store: CaseStore
    let visitID: String

    init() throws {
        folder = try TemporaryFolder()
        store = try CaseStore.temporary(in: folder, clock: clock)
        try store.seedCase()
        visitID = try store.addVisit(caseID: "LA-1001", values: [("date", "2026-11-19"), ("type", "statutory"),
                                                                 ("seen", "yes"), ("wishes", "wants to see his sister")])
        clock.advance(seconds: 30)
        _ = try store.edit(visitID, values: [("alone", "no"), ("alone_reason", "refused")])
        try store.finalise(visitID)
        _ = try store.addNote(caseID: "LA-1001", body: "phone call with school")
    }

    /// Runs SQL on the file through a connection of its own, bypassing the store.
    private func tamper(_ sql: String, _ arguments: StatementArguments = []) throws {
        let queue = try DatabaseQueue(path: store.path)
        try queue.write { db in try db.execute(sql: sql, arguments: arguments) }
    }

    @Test func anUntouchedStoreIsIntact() throws {
        let report = try store.verify()
        #expect(report.isIntact)
        #expect(report.changesChecked == 5)
        #expect(report.devices == 1)
        #expect(report.recordsChecked == 3)
    }

    @Test func aRecordEditedDirectlyIsReported() throws {
        try tamper("UPDATE record SET fields = json_set(fields, '$.wishes', 'happy at home') WHERE id = ?", [visitID])
        let report = try store.verify()
        #expect(report.problems == ["record \(visitID): stored fields differ from a replay of its 3 change(s)"])
    }

    @Test func aChangedValueInTheLogBreaksItsHash() throws {
        try tamper("UPDATE change_log SET writes = replace(writes, 'wants to see his sister', 'is happy') WHERE seq = 2")
        let report = try store.verify()
        #expect(report.problems.first == "change \(store.deviceID.prefix(8)):2: stored hash does not match its content (content edited after it was written)")
        // The record's fields and its kept merge state both still hold the value the change was written with.
        #expect(report.problems.contains("record \(visitID): stored fields, merge_state differ from a replay of its 3 change(s)"))
    }

    @Test func aRehashedForgeryBreaksTheNextLink() throws {
        // The forger rewrites change 2 and recomputes its hash, and fixes the record's fields too (but not the
        // merge state kept beside them since store v10, which still holds the value as written).
        let forged = try store.pool.read { db -> Change in
            let original = try #require(try ChangeLog.fetch(db, where: "seq = 2").first)
            return Change(id: original.id, hlc: original.hlc, recordedAt: original.recordedAt, author: original.author,
                          recordID: original.recordID, recordType: original.recordType, caseID: original.caseID,
                          kind: original.kind,
                          writes: original.writes.map { $0.field == "wishes" ? FieldWrite(field: "wishes", value: "is happy", supersedes: []) : $0 },
                          sealed: original.sealed, previousHash: original.previousHash)
        }
        try tamper("UPDATE change_log SET writes = ?, hash = ? WHERE seq = 2",
                   [try JSONCoding.string(forged.writes), forged.hash])
        try tamper("UPDATE record SET fields = json_set(fields, '$.wishes', 'is happy') WHERE id = ?", [visitID])
        let report = try store.verify()
        #expect(report.problems == ["change \(store.deviceID.prefix(8)):3: prev_hash does not match the hash of \(store.deviceID.prefix(8)):2 (chain broken)",
                                    "record \(visitID): stored merge_state differ from a replay of its 3 change(s)"])
    }

    @Test func anEditedMergeStateIsReportedAndNotTrusted() throws {
        let kept = try #require(try store.pool.read { db in try Data.fetchOne(db, sql: "SELECT merge_state FROM record WHERE id = ?", arguments: [visitID]) })
        // Cut short, the kept state cannot be read: verify says so, and reads merge the record from its changes.
        try tamper("UPDATE record SET merge_state = ? WHERE id = ?", [kept.prefix(kept.count - 3), visitID])
        #expect(try store.verify().problems == ["record \(visitID): stored merge_state differ from a replay of its 3 change(s)"])
        #expect(try store.pool.read { db in try StoredRecord.state(of: visitID, db)?.value("wishes") } == "wants to see his sister")
        // A row from before store v10 keeps none: nothing to compare, and the record is merged from its changes.
        try tamper("UPDATE record SET merge_state = NULL WHERE id = ?", [visitID])
        #expect(try store.verify().isIntact)
        #expect(try store.pool.read { db in try StoredRecord.state(of: visitID, db)?.value("wishes") } == "wants to see his sister")
    }

    @Test func aDeletedChangeLeavesAGap() throws {
        try tamper("DELETE FROM change_log WHERE seq = 3")
        let report = try store.verify()
        #expect(report.problems.first == "chain \(store.deviceID.prefix(8)): change 3 is missing")
        #expect(report.problems.count == 2, "the visit's replay differs too")
    }

    @Test func aRecordWithoutChangesAndAChangeWithoutRecordAreReported() throws {
        try tamper("INSERT INTO record (id, type, case_id, updated_hlc, fields) VALUES ('forged', 'visit', 'LA-1001', 0, '{}')")
        try tamper("DELETE FROM record WHERE type = 'note'")
        let problems = try store.verify().problems
        #expect(problems.contains("record forged: stored, but no change in the log created it"))
        #expect(problems.contains { $0.hasSuffix("in the change log but missing from the records") })
    }

    @Test func anUnreadableChangeIsReportedNotFatal() throws {
        try tamper("UPDATE change_log SET writes = 'not json' WHERE seq = 5")
        let problems = try store.verify().problems
        #expect(problems.first?.contains("unreadable writes") == true)
    }
}
