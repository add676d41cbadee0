import Central
@testable import CentralPostgres
import CentralSQLite
import ClientSync
import Foundation
import Store
import SyncProtocol
import Testing

/// Several instances of the peer on one PostgreSQL database: what the engine is for.
@Suite struct PostgresConcurrencyTests {
    let times = Times()

    /// An intake holds its transaction open after accepting a change while another instance accepts a later
    /// change: the second waits for the first's commit, so a pull in between sees neither, and a device that
    /// pulled in between and pulls again from its cursor gets both.
    @Test func aPullNeverSkipsAChangeCommittedAfterALaterOne() async throws {
        try await TestDatabase.with { database in
            let first = try await database.open()
            let second = try await database.open()
            defer { first.close(); second.close() }
            let clock = HandClock()
            let early = HandChain(author: "sam", clock: clock).note("accepted first, committed last", case: "c1")
            let late = HandChain(author: "lee", clock: clock).note("accepted second", case: "c1")
            // Everything before: a pull will read from cursor 1.
            let before = HandChain(author: "kim", clock: clock).note("already there", case: "c1")
            try await accept([before], into: first, at: times.at(0))

            let (accepted, acceptedSignal) = AsyncStream<Void>.makeStream()
            let (release, releaseSignal) = AsyncStream<Void>.makeStream()
            let held = Task {
                try await first.intake { intake in
                    try await intake.accept([AcceptedChange(early, receivedAt: times.at(1))])
                    acceptedSignal.yield()
                    for await _ in release { break }
                }
            }
            for await _ in accepted { break }
            let competing = Task {
                try await second.intake { intake in try await intake.accept([AcceptedChange(late, receivedAt: times.at(2))]) }
            }
            // The second intake is waiting on the log's lock (and so has taken no cursor).
            try await waitUntil { try await waitingOnAdvisoryLocks(second) == 1 }

            let between = try await second.changes(after: 1, in: ["c1"], limit: 100)
            #expect(between.changes.isEmpty)
            #expect(between.top == 1)
            let cursor = between.changes.last?.cursor ?? 1

            releaseSignal.yield()
            releaseSignal.finish()
            try await held.value
            try await competing.value

            let again = try await first.changes(after: cursor, in: ["c1"], limit: 100)
            #expect(again.changes.map(\.change) == [early, late])
            #expect(again.changes.map(\.cursor) == [2, 3])
            #expect(try await second.topCursor() == 3)
        }
    }

    /// Two instances admit pushes of one device at once, each reading the chain head and accepting the next
    /// change: the device's lock makes them take turns, so the log holds one chain, each change once, and
    /// no intake conflicted.
    @Test func twoInstancesAdmittingOneDeviceKeepOneChain() async throws {
        try await TestDatabase.with { database in
            let instances = [try await database.open(), try await database.open()]
            defer { instances.forEach { $0.close() } }
            let chain = HandChain(author: "sam", clock: HandClock())
            let changes = (1...30).map { chain.note("note \($0)", case: "c1") }
            let device = chain.deviceID
            let conflicts = try await withThrowingTaskGroup(of: Int.self) { group in
                for storage in instances {
                    group.addTask {
                        var conflicts = 0
                        while true {
                            do {
                                let done = try await storage.intake { intake -> Bool in
                                    let next = (try await intake.chainHead(of: device)?.seq ?? 0) + 1
                                    guard next <= Int64(changes.count) else { return true }
                                    let change = changes[Int(next) - 1]
                                    try await intake.accept([AcceptedChange(change, receivedAt: times.at(Int(next)))])
                                    try await intake.setChainHead(of: device, seq: next, hash: change.hash)
                                    return false
                                }
                                if done { return conflicts }
                            } catch CentralStorageError.conflict {
                                conflicts += 1
                            }
                        }
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(conflicts == 0)
            let logged = try await instances[0].changes(after: 0, in: ["c1"], limit: 100).changes
            #expect(logged.map(\.change.id.seq) == Array(1...30))
            #expect(logged.map(\.cursor) == Array(1...30))
            #expect(try await instances[1].intake { try await $0.chainHead(of: device) }?.seq == 30)
        }
    }

    /// Two intakes that both create one record: the second's insert fails on the record's key, which is a
    /// conflict (the peer runs the intake again), and the retry merges both changes.
    @Test func twoIntakesCreatingOneRecordConflictAndTheRetryMergesBoth() async throws {
        try await TestDatabase.with { database in
            let first = try await database.open()
            let second = try await database.open()
            defer { first.close(); second.close() }
            let clock = HandClock()
            let record = UUID().uuidString.lowercased()
            let mine = HandChain(author: "sam", clock: clock).note("mine", case: "c1", record: record)
            let theirs = HandChain(author: "lee", clock: clock).note("theirs", case: "c1", record: record)

            let (accepted, acceptedSignal) = AsyncStream<Void>.makeStream()
            let (release, releaseSignal) = AsyncStream<Void>.makeStream()
            let held = Task {
                try await first.intake { intake in
                    #expect(try await intake.records([record]).isEmpty)
                    try await intake.accept([AcceptedChange(mine, receivedAt: times.at(1))])
                    acceptedSignal.yield()
                    for await _ in release { break }
                }
            }
            for await _ in accepted { break }
            let competing = Task {
                try await second.intake { intake in
                    _ = try await intake.records([record])
                    try await intake.accept([AcceptedChange(theirs, receivedAt: times.at(2))])
                }
            }
            try await waitUntil { try await waitingOnAdvisoryLocks(second) == 1 }
            releaseSignal.yield()
            releaseSignal.finish()
            try await held.value
            await #expect(throws: CentralStorageError.self) { try await competing.value }
            #expect(try await second.topCursor() == 1)

            // The peer's retry: the record is now there, and both changes merge.
            try await accept([theirs], into: second, at: times.at(3))
            #expect(same(try await second.record(record), RecordState(changes: [mine, theirs])))
        }
    }

    /// Two intakes that lock two records in opposite orders deadlock: PostgreSQL rolls one back, which is
    /// thrown as a conflict (the peer runs it again), and the other commits.
    @Test func aDeadlockIsAConflict() async throws {
        try await TestDatabase.with { database in
            let first = try await database.open()
            let second = try await database.open()
            defer { first.close(); second.close() }
            let chain = HandChain(author: "sam", clock: HandClock())
            let (one, two) = (chain.note("one", case: "c1"), chain.note("two", case: "c1"))
            try await accept([one, two], into: first, at: times.at(1))

            let (locked, lockedSignal) = AsyncStream<Void>.makeStream()
            let (go, goSignal) = AsyncStream<Void>.makeStream()
            let a = Task {
                try await first.intake { intake in
                    _ = try await intake.records([one.recordID])
                    lockedSignal.yield()
                    for await _ in go { break }
                    _ = try await intake.records([two.recordID])
                }
            }
            for await _ in locked { break }
            let b = Task {
                try await second.intake { intake in
                    _ = try await intake.records([two.recordID])
                    goSignal.yield()
                    goSignal.finish()
                    _ = try await intake.records([one.recordID])
                }
            }
            let outcomes = [await a.result, await b.result]
            let conflicts = outcomes.filter { outcome in
                if case .failure(CentralStorageError.conflict) = outcome { return true }
                return false
            }
            #expect(conflicts.count == 1, "\(outcomes)")
            #expect(outcomes.contains { if case .success = $0 { true } else { false } })
        }
    }

    @Test func twoInstancesOpeningANewDatabaseAtOnceMigrateItOnce() async throws {
        try await TestDatabase.with { database in
            async let a = database.open()
            async let b = database.open()
            let (first, second) = try await (a, b)
            defer { first.close(); second.close() }
            #expect(try await first.peerDeviceID() == second.peerDeviceID())
            let reopened = try await database.open()
            defer { reopened.close() }
            #expect(try await reopened.peerDeviceID() == first.peerDeviceID())
        }
    }
}

/// How many sessions wait on an advisory lock of the storage's database (other tests run beside, each on
/// its own database of the same server).
func waitingOnAdvisoryLocks(_ storage: PostgresCentralStorage) async throws -> Int {
    let rows = try await storage.rows("""
        SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
            AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
        """)
    return Int(try rows.first?.decode(Int64.self) ?? 0)
}

/// Polls `condition` every 20 ms for up to 10 s.
func waitUntil(_ condition: () async throws -> Bool) async throws {
    for _ in 0..<500 {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    Issue.record("the condition did not become true within 10 s")
}
