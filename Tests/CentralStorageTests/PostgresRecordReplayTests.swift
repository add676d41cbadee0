import Central
@testable import CentralPostgres
import CentralSQLite
import ClientSync
import Foundation
import Store
import SyncProtocol
import Testing

/// A record whose kept state cannot be used is merged again from its changes in the log.
@Suite struct PostgresRecordReplayTests {
    @Test func aRecordWhoseKeptStateIsUnreadableIsReplayedFromTheLog() async throws {
        try await TestDatabase.with { database in
            let storage = try await database.open()
            defer { storage.close() }
            let times = Times()
            let chain = HandChain(author: "sam", clock: HandClock())
            let create = chain.note("first", case: "c1")
            let edit = chain.make(.edit, .note, record: create.recordID, case: "c1", writes: [write("body", "second", supersedes: [create.id])])
            try await accept([create, edit], into: storage, at: times.at(1))
            try await storage.run("UPDATE central_record SET merge_state = '\\x00'::bytea WHERE record_id = \(create.recordID)")

            // Read: replayed.
            #expect(same(try await storage.record(create.recordID), RecordState(changes: [create, edit])))
            #expect(same(try await storage.intake { try await $0.records([create.recordID]) }[create.recordID],
                         RecordState(changes: [create, edit])))
            // Merged into: replayed with the new change, and kept again in a form that can be read.
            let third = chain.make(.edit, .note, record: create.recordID, case: "c1", writes: [write("body", "third", supersedes: [edit.id])])
            try await accept([third], into: storage, at: times.at(2))
            let rows = try await storage.rows("SELECT merge_state FROM central_record WHERE record_id = \(create.recordID)")
            let kept = try #require(try rows.first?.decode(Data.self))
            let expected = try #require(RecordState(changes: [create, edit, third]))
            #expect(same(KeptMergeState.decode([UInt8](kept), recordID: create.recordID), expected))
            #expect(try await storage.record(create.recordID)?.value("body") == "third")
        }
    }
}
