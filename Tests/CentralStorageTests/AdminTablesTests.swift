import Central
import CentralSQLite
import ClientSync
import Foundation
import Store
import SyncProtocol
import Testing

/// Segments, custody and the pull audit, the council rules, and the quarantine.
@Suite struct AdminTablesTests {
    let times = Times()

    @Test(arguments: Engine.allCases)
    func segmentsAreStoredOnceReadInOrderAndDeleted(_ engine: Engine) async throws {
        try await engine.withStorage { storage in
            let first = CaseSegment(caseID: "c1", firstCursor: 1, lastCursor: 10, changeCount: 4, frame: [1, 2, 3])
            let second = CaseSegment(caseID: "c1", firstCursor: 12, lastCursor: 20, changeCount: 2, frame: [4, 5])
            let other = CaseSegment(caseID: "c2", firstCursor: 3, lastCursor: 4, changeCount: 2, frame: [6])
            #expect(try await storage.sealedThrough(of: "c1") == 0)
            try await storage.storeSegments([first, other])
            // A peer sealing the same run at once: the one stored first is kept.
            try await storage.storeSegments([CaseSegment(caseID: "c1", firstCursor: 1, lastCursor: 10, changeCount: 4, frame: [9]), second])
            try await storage.storeSegments([])

            #expect(try await storage.segments(of: "c1", after: 0, limit: 10) == [first, second])
            #expect(try await storage.segments(of: "c1", after: 1, limit: 10) == [second])
            #expect(try await storage.segments(of: "c1", after: 0, limit: 1) == [first])
            #expect(try await storage.sealedThrough(of: "c1") == 20)
            #expect(try await storage.sealedThrough(of: "c2") == 4)

            try await storage.deleteSegments(of: "c1")
            #expect(try await storage.segments(of: "c1", after: 0, limit: 10).isEmpty)
            #expect(try await storage.sealedThrough(of: "c1") == 0)
            #expect(try await storage.segments(of: "c2", after: 0, limit: 10) == [other])
        }
    }

    @Test(arguments: Engine.allCases)
    func pullsAreAuditedAndCustodyKept(_ engine: Engine) async throws {
        try await engine.withStorage { storage in
            try await storage.addUser(CentralUser(name: "sam", role: .worker, team: nil), now: times.at(0))
            try await storage.addEnrolmentCode(hash: "c", user: "sam", now: times.at(0), expiresAt: times.at(1000))
            _ = try await storage.redeemEnrolmentCode(hash: "c", deviceID: "d1", deviceName: "n", tokenHash: "t", now: times.at(0))

            try await storage.recordCustody(device: "d1", user: "sam", sent: ["c1": 3, "c2": 1], purgeRequested: [], purged: [], now: times.at(1))
            try await storage.recordCustody(device: "d2", user: "lee", sent: ["c1": 2], purgeRequested: [], purged: [], now: times.at(2))
            try await storage.recordCustody(device: "d1", user: "sam", sent: [:], purgeRequested: ["c1"], purged: [], now: times.at(3))
            try await storage.recordCustody(device: "d1", user: "sam", sent: [:], purgeRequested: ["c1"], purged: ["c1"], now: times.at(4))
            try await storage.recordCustody(device: "d1", user: "sam", sent: [:], purgeRequested: [], purged: [], now: times.at(5))

            let custody = try await storage.custody(of: "c1")
            #expect(custody == [
                Custody(deviceID: "d1", user: "sam", firstSentAt: times.at(1), lastSentAt: times.at(1), purgeRequestedAt: times.at(3), purgedAt: times.at(4)),
                Custody(deviceID: "d2", user: nil, firstSentAt: times.at(2), lastSentAt: times.at(2), purgeRequestedAt: nil, purgedAt: nil),
            ])
            // Sent again: held again, no longer purged.
            try await storage.recordCustody(device: "d1", user: "sam", sent: ["c1": 1], purgeRequested: [], purged: [], now: times.at(6))
            #expect(try await storage.custody(of: "c1").first == Custody(deviceID: "d1", user: "sam", firstSentAt: times.at(1),
                                                                         lastSentAt: times.at(6), purgeRequestedAt: nil, purgedAt: nil))

            let pulls = try await storage.pulls(of: "c1")
            #expect(pulls == [
                PullAudit(at: times.at(1), deviceID: "d1", user: "sam", changes: 3),
                PullAudit(at: times.at(2), deviceID: "d2", user: "lee", changes: 2),
                PullAudit(at: times.at(6), deviceID: "d1", user: "sam", changes: 1),
            ])
            #expect(try await storage.pulls(of: "c1", limit: 2) == Array(pulls.suffix(2)))
            #expect(try await storage.pulls(of: "c2").map(\.changes) == [1])
            #expect(try await storage.pulls(of: "c9").isEmpty)
        }
    }

    @Test(arguments: Engine.allCases)
    func rulesAreVersionedAndAStaleSaveIsRefused(_ engine: Engine) async throws {
        try await engine.withStorage { storage in
            #expect(try await storage.rules() == .defaults)
            #expect(try await storage.rulesHistory().isEmpty)
            var next = try await storage.rules()
            next.version = 1
            try next.set("cp.working-days", to: 8)
            try await storage.saveRules(next, by: "priya", change: "cp.working-days 10 → 8", now: times.at(1))
            #expect(try await storage.rules() == next)

            // Read before the save above: refused, nothing stored.
            var stale = CouncilRules.defaults
            stale.version = 1
            await #expect(throws: CentralAdminError.self) {
                try await storage.saveRules(stale, by: "sam", change: "nothing", now: times.at(2))
            }
            var later = next
            later.version = 2
            try await storage.saveRules(later, by: "admin", change: "again", now: times.at(3))
            #expect(try await storage.rulesHistory() == [
                RulesChange(version: 1, changedAt: times.at(1), changedBy: "priya", change: "cp.working-days 10 → 8"),
                RulesChange(version: 2, changedAt: times.at(3), changedBy: "admin", change: "again"),
            ])
        }
    }

    @Test(arguments: Engine.allCases)
    func quarantinedChangesAreListedByStateAndResolved(_ engine: Engine) async throws {
        try await engine.withStorage { storage in
            let chain = HandChain(author: "sam", clock: HandClock())
            let first = chain.note("one", case: "c1")
            let second = chain.note("two", case: "c2")
            let ids = try await storage.intake { intake in
                [try await intake.quarantine(first, pushedBy: chain.deviceID, reason: "not allocated", now: times.at(1)),
                 try await intake.quarantine(second, pushedBy: "another", reason: "forged", now: times.at(2))]
            }
            let all = try await storage.quarantine(state: nil)
            #expect(all.map(\.id) == ids)
            #expect(all.map(\.change) == [first, second])
            #expect(all.map(\.pushedBy) == [chain.deviceID, "another"] && all.map(\.reason) == ["not allocated", "forged"])
            #expect(all.map(\.receivedAt) == [times.at(1), times.at(2)] && all.allSatisfy { $0.state == .held })

            try await storage.resolveQuarantine(ids[0], state: .released, by: "priya", note: "allocated since", now: times.at(3))
            #expect(try await storage.quarantine(state: .held).map(\.id) == [ids[1]])
            let released = try #require(try await storage.quarantine(state: .released).first)
            #expect(released.id == ids[0] && released.resolvedBy == "priya" && released.resolvedAt == times.at(3)
                    && released.note == "allocated since")
            #expect(try await storage.quarantineEntry(ids[1])?.change == second)
            #expect(try await storage.quarantineEntry(9999) == nil)
        }
    }

    @Test(arguments: Engine.allCases)
    func thePeerHasOneDeviceIDForItsDatabase(_ engine: Engine) async throws {
        try await engine.withStorage { storage in
            let id = try await storage.peerDeviceID()
            #expect(!id.isEmpty)
            #expect(try await storage.peerDeviceID() == id)
        }
    }
}
