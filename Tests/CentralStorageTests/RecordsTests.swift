import Central
import CentralSQLite
import ClientSync
import Foundation
import Store
import SyncProtocol
import Testing

/// Records merged from accepted changes: what admission judges against.
@Suite struct RecordsTests {
    let times = Times()

    @Test(arguments: Engine.allCases)
    func acceptedChangesAreMergedIntoTheirRecords(_ engine: Engine) async throws {
        try await engine.withStorage { storage in
            let clock = HandClock()
            let sam = HandChain(author: "sam", clock: clock)
            let lee = HandChain(author: "lee", clock: clock)
            let create = sam.note("first words", case: "c1")
            let record = create.recordID
            try await accept([create], into: storage, at: times.at(1))
            let edit = sam.make(.edit, .note, record: record, case: "c1", writes: [write("body", "second words", supersedes: [create.id])])
            // A concurrent edit by another device that had not seen the first: both versions are current.
            let rival = lee.make(.edit, .note, record: record, case: "c1", writes: [write("body", "rival words", supersedes: [create.id])])
            try await accept([edit], into: storage, at: times.at(2))
            try await accept([rival], into: storage, at: times.at(3))

            let expected = try #require(RecordState(changes: [create, edit, rival]))
            let state = try #require(try await storage.record(record))
            #expect(same(state, expected))
            #expect(state.conflictedFields == ["body"])
            let inIntake = try await storage.intake { intake in try await intake.records([record, "no-such-record"]) }
            #expect(inIntake.count == 1 && same(inIntake[record], expected))
            #expect(try await storage.record("no-such-record") == nil)
        }
    }

    @Test(arguments: Engine.allCases)
    func aSnapshotHoldsTheRecordsAmendments(_ engine: Engine) async throws {
        try await engine.withStorage { storage in
            let clock = HandClock()
            let sam = HandChain(author: "sam", clock: clock)
            let create = sam.note("the visit went well", case: "c1")
            let record = create.recordID
            let final = sam.make(.finalise, .note, record: record, case: "c1", writes: [write("status", "final", supersedes: [create.id])],
                                 sealed: [create.id])
            let amendment = sam.make(.create, .amendment, record: UUID().uuidString.lowercased(), case: "c1", writes: [
                write("target_id", record), write("reason", "typo"), write("corrected", #"{"body":"the visit went badly"}"#),
            ])
            let other = sam.note("another note", case: "c1")
            try await accept([create, final, amendment, other], into: storage, at: times.at(1))

            let snapshot = try #require(try await storage.intake { intake in try await intake.snapshot(record) })
            #expect(same(snapshot.state, RecordState(changes: [create, final])))
            #expect(snapshot.amendments.map(\.recordID) == [amendment.recordID])
            #expect(same(snapshot.amendments.first, RecordState(changes: [amendment])))
            let plain = try #require(try await storage.intake { intake in try await intake.snapshot(other.recordID) })
            #expect(plain.amendments.isEmpty)
            #expect(try await storage.intake { intake in try await intake.snapshot("no-such-record") } == nil)
        }
    }

    @Test(arguments: Engine.allCases)
    func aFinalisationsRecordIsMergedFromTheChangesItSeals(_ engine: Engine) async throws {
        try await engine.withStorage { storage in
            let clock = HandClock()
            let sam = HandChain(author: "sam", clock: clock)
            let lee = HandChain(author: "lee", clock: clock)
            let create = sam.note("draft", case: "c1")
            let record = create.recordID
            let seen = sam.make(.edit, .note, record: record, case: "c1", writes: [write("body", "seen edit", supersedes: [create.id])])
            let unseen = lee.make(.edit, .note, record: record, case: "c1", writes: [write("body", "unseen edit", supersedes: [create.id])])
            try await accept([create, seen, unseen], into: storage, at: times.at(1))
            let final = sam.make(.finalise, .note, record: record, case: "c1", writes: [write("status", "final", supersedes: [create.id])],
                                 sealed: [create.id, seen.id])
            let sealed = try await storage.intake { intake in try await intake.record(sealedBy: final) }
            #expect(same(sealed, RecordState(changes: [create, seen])))
            #expect(sealed?.value("body") == "seen edit")
        }
    }

    @Test(arguments: Engine.allCases)
    func allocationsAreKeptOneOpenACase(_ engine: Engine) async throws {
        try await engine.withStorage { storage in
            try await storage.intake { intake in
                try await intake.allocate("c1", to: "sam", at: times.at(1), reason: "case added", by: "admin")
                try await intake.allocate("c2", to: "sam", at: times.at(1), reason: nil, by: "admin")
            }
            try await storage.intake { intake in
                try await intake.allocate("c1", to: "lee", at: times.at(2), reason: "sam on leave", by: "priya")
            }
            let c1 = try await storage.allocations(of: "c1")
            #expect(c1.map(\.worker) == ["sam", "lee"])
            #expect(c1.map(\.from) == [times.at(1), times.at(2)] && c1.map(\.to) == [times.at(2), nil])
            #expect(c1.map(\.reason) == ["case added", "sam on leave"] && c1.map(\.by) == ["admin", "priya"])
            #expect(try await storage.cases(allocatedTo: ["sam"]) == ["c2"])
            #expect(try await storage.cases(allocatedTo: ["sam", "lee"]) == ["c1", "c2"])
            #expect(try await storage.cases(allocatedTo: []) == [])

            try await storage.intake { intake in try await intake.allocate("c2", to: nil, at: times.at(3), reason: nil, by: "admin") }
            #expect(try await storage.cases(allocatedTo: ["sam"]) == [])
            let inIntake = try await storage.intake { intake in try await intake.allocations(of: ["c1", "c2", "c3"]) }
            #expect(inIntake.keys.sorted() == ["c1", "c2"] && inIntake["c2"]?.first?.to == times.at(3))

            let users = try await storage.intake { intake in
                try await intake.users(named: ["sam", "ghost"])
            }
            #expect(users.isEmpty)
            try await storage.addUser(CentralUser(name: "sam", role: .worker, team: "north"), now: times.at(0))
            #expect(try await storage.intake { intake in try await intake.users(named: ["sam", "ghost"]) }
                    == ["sam": CentralUser(name: "sam", role: .worker, team: "north")])
        }
    }
}

/// Whether two merged states are the same merge: equal kept encodings (what `verify` compares). A state
/// read back from a storage leaves out the text of superseded versions, so `==` would tell them apart.
func same(_ a: RecordState?, _ b: RecordState?) -> Bool {
    guard let a, let b else { return a == nil && b == nil }
    return KeptMergeState.encode(a) == KeptMergeState.encode(b) && a.values == b.values
}
