import Central
import CentralSQLite
import ClientSync
import Foundation
import Store
import SyncProtocol
import Testing

/// The central log: what an intake accepts, and the walks pulls read.
@Suite struct LogTests {
    let times = Times()

    @Test(arguments: Engine.allCases)
    func acceptedChangesAreLoggedInOrderWithTheirCases(_ engine: Engine) async throws {
        try await engine.withStorage { storage in
            #expect(try await storage.topCursor() == 0)
            let clock = HandClock()
            let sam = HandChain(author: "sam", clock: clock)
            let lee = HandChain(author: "lee", clock: clock)
            let c1a = sam.note("one", case: "c1")
            let c2a = sam.note("two", case: "c2")
            let c1b = lee.note("three", case: "c1")
            try await accept([c1a, c2a], into: storage, at: times.at(1))
            try await accept([c1b], into: storage, at: times.at(2), skew: 90_000)

            // Cursors increase in log order; SQLite's may skip numbers (its AUTOINCREMENT), so the test reads
            // them rather than assuming them.
            let all = try await storage.changes(after: 0, in: ["c1", "c2"], limit: 10)
            let cursors = all.changes.map(\.cursor)
            #expect(cursors.count == 3 && cursors == cursors.sorted() && Set(cursors).count == 3)
            let (one, two, three) = (cursors[0], cursors[1], cursors[2])
            #expect(all.top == three)
            #expect(try await storage.topCursor() == three)
            #expect(all.changes.map(\.change) == [c1a, c2a, c1b])
            #expect(all.changes.map(\.receivedAt) == [times.at(1), times.at(1), times.at(2)])
            #expect(all.changes.map(\.clockSkew) == [nil, nil, 90_000])

            let c1 = try await storage.changes(after: 0, in: ["c1"], limit: 10)
            #expect(c1.changes.map(\.change.id) == [c1a.id, c1b.id] && c1.top == three)
            #expect(try await storage.changes(after: one, in: ["c1"], limit: 10).changes.map(\.cursor) == [three])
            #expect(try await storage.changes(after: 0, in: ["c1", "c2"], limit: 2).changes.map(\.cursor) == [one, two])
            let none = try await storage.changes(after: 0, in: [], limit: 10)
            #expect(none.changes.isEmpty && none.top == three)
            #expect(try await storage.changes(after: three, in: ["c1"], limit: 10).changes.isEmpty)

            #expect(try await storage.firstCursor(of: ["c2"]) == two)
            #expect(try await storage.firstCursor(of: ["c1", "c2"]) == one)
            #expect(try await storage.firstCursor(of: ["c9"]) == nil)
            #expect(try await storage.firstCursor(of: []) == nil)

            #expect(try await storage.changes(of: "c1", after: 0, limit: 10).map(\.cursor) == [one, three])
            #expect(try await storage.changes(of: "c1", after: one, limit: 10).map(\.change) == [c1b])
            #expect(try await storage.changes(of: "c1", after: 0, limit: 1).map(\.cursor) == [one])
            #expect(try await storage.nextCursor(of: "c1", after: one) == three)
            #expect(try await storage.nextCursor(of: "c1", after: three) == nil)
            #expect(try await storage.nextCursor(of: "c2", after: 0) == two)

            let logged = try await storage.logged([c1a.id, c1b.id, ChangeID(deviceID: "nobody", seq: 1)])
            #expect(logged.count == 2)
            #expect(logged[c1a.id]?.receivedAt == times.at(1) && logged[c1a.id]?.clockSkew == nil)
            #expect(logged[c1b.id]?.receivedAt == times.at(2) && logged[c1b.id]?.clockSkew == 90_000)
            #expect(try await storage.logged([]).isEmpty)
        }
    }

    @Test(arguments: Engine.allCases)
    func aPullLeavesOutTheDevicesOwnChangesButThoseItLacks(_ engine: Engine) async throws {
        try await engine.withStorage { storage in
            let clock = HandClock()
            let sam = HandChain(author: "sam", clock: clock)
            let lee = HandChain(author: "lee", clock: clock)
            let own = (1...5).map { sam.note("mine \($0)", case: "c1") }
            let theirs = lee.note("theirs", case: "c1")
            try await accept(own + [theirs], into: storage, at: times.at(1))

            let noEchoes = try await storage.changes(after: 0, in: ["c1"], limit: 10,
                                                     leavingOut: OwnChanges(deviceID: sam.deviceID, lacking: SeqRanges()))
            #expect(noEchoes.changes.map(\.change.id) == [theirs.id])
            #expect(noEchoes.top == (try await storage.topCursor()))

            let lacking = try await storage.changes(after: 0, in: ["c1"], limit: 10,
                                                    leavingOut: OwnChanges(deviceID: sam.deviceID, lacking: SeqRanges([2, 4, 5])))
            #expect(lacking.changes.map(\.change.id.seq) == [2, 4, 5, 1])
            #expect(lacking.changes.map(\.change.id) == [own[1].id, own[3].id, own[4].id, theirs.id])
        }
    }

    @Test(arguments: Engine.allCases)
    func receivedSaysWhatThePeerHoldsOfEachID(_ engine: Engine) async throws {
        try await engine.withStorage { storage in
            let clock = HandClock()
            let sam = HandChain(author: "sam", clock: clock)
            let accepted = sam.note("kept", case: "c1")
            let held = sam.note("held", case: "c1")
            let forged = HandChain(deviceID: "victim", author: "mallory", clock: clock).note("forged", case: "c1")
            let ids = try await storage.intake { intake -> (Int64, Int64) in
                try await intake.accept([AcceptedChange(accepted, receivedAt: times.at(1))])
                let heldID = try await intake.quarantine(held, pushedBy: sam.deviceID, reason: "not allocated", now: times.at(1))
                let forgeryID = try await intake.quarantine(forged, pushedBy: sam.deviceID, reason: "forged", now: times.at(1))
                return (heldID, forgeryID)
            }
            #expect(ids.1 > ids.0)
            let received = try await storage.intake { intake in
                try await intake.received([accepted.id, held.id, forged.id, ChangeID(deviceID: "x", seq: 9)])
            }
            #expect(received.count == 2)
            #expect(received[accepted.id] == .accepted(hash: accepted.hash))
            #expect(received[held.id] == .quarantined(hash: held.hash, reason: "not allocated", id: ids.0))
            // Pushed under another device's id: the victim's own copy may still come.
            #expect(received[forged.id] == nil)
        }
    }

    @Test(arguments: Engine.allCases)
    func chainHeadsAreKeptPerDevice(_ engine: Engine) async throws {
        try await engine.withStorage { storage in
            let heads = try await storage.intake { intake -> [Int64?] in
                let before = try await intake.chainHead(of: "d1")
                try await intake.setChainHead(of: "d1", seq: 3, hash: "h3")
                try await intake.setChainHead(of: "d1", seq: 4, hash: "h4")
                try await intake.setChainHead(of: "d2", seq: 1, hash: "g1")
                return [before?.seq, try await intake.chainHead(of: "d1")?.seq]
            }
            #expect(heads == [nil, 4])
            let later = try await storage.intake { intake in
                (try await intake.chainHead(of: "d1"), try await intake.chainHead(of: "d2"))
            }
            #expect(later.0?.seq == 4 && later.0?.hash == "h4" && later.1?.seq == 1 && later.1?.hash == "g1")
        }
    }

    struct Refused: Error {}

    @Test(arguments: Engine.allCases)
    func anIntakeThatThrowsLeavesNothingStored(_ engine: Engine) async throws {
        try await engine.withStorage { storage in
            let chain = HandChain(author: "sam", clock: HandClock())
            let change = chain.note("lost", case: "c1")
            await #expect(throws: Refused.self) {
                try await storage.intake { intake in
                    try await intake.accept([AcceptedChange(change, receivedAt: times.at(1))])
                    try await intake.setChainHead(of: chain.deviceID, seq: 1, hash: change.hash)
                    try await intake.allocate("c1", to: "sam", at: times.at(1), reason: nil, by: "admin")
                    _ = try await intake.quarantine(change, pushedBy: "x", reason: "r", now: times.at(1))
                    throw Refused()
                }
            }
            #expect(try await storage.changes(after: 0, in: ["c1"], limit: 10).changes.isEmpty)
            #expect(try await storage.record(change.recordID) == nil)
            #expect(try await storage.allocations(of: "c1").isEmpty)
            #expect(try await storage.quarantine(state: nil).isEmpty)
            #expect(try await storage.intake { try await $0.chainHead(of: chain.deviceID) } == nil)
            // The storage is usable afterwards.
            try await accept([change], into: storage, at: times.at(2))
            #expect(try await storage.changes(after: 0, in: ["c1"], limit: 10).changes.map(\.change) == [change])
        }
    }
}
