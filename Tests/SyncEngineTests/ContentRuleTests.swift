import Central
import CentralSQLite
import ClientSync
import Foundation
import Store
import SyncProtocol
import Testing

/// The policy's rules about content (ChangePolicy+Content) hold at the peer as on the device: a change the
/// REPL refuses for what it says is refused by the peer too, with hand-built changes from a second device.
@Suite struct ContentRuleTests {
    private func visit(_ chain: HandChain, case caseID: String, _ fields: [FieldWrite]) -> Change {
        chain.make(.create, .visit, record: newRecordID(), case: caseID,
                   writes: [write("occurred_at", "2026-11-20"), write("status", "draft")] + fields)
    }

    /// A statutory visit finalised without the child's wishes (reg 29) is refused by the store and, built by
    /// hand, quarantined by the peer with the same reason. With the wishes it is accepted.
    @Test func aStatutoryVisitWithoutWishesIsNotFinalisedAnywhere() async throws {
        let (central, folder) = try await TestCentral.withTeam(cases: ["LA-1": "sam"])
        defer { Task { await central.stop() } }
        let sam = try await central.device("sam", in: folder)
        try await sam.sync()
        let chain = HandChain(sam.store, clock: HandClock())
        let created = visit(chain, case: "LA-1", [write("type", "statutory"), write("seen", "yes"), write("seen_alone", "yes")])
        let finalise = chain.make(.finalise, .visit, record: created.recordID, case: "LA-1",
                                  writes: [write("status", "final", supersedes: [created.id])], sealed: [created.id])
        let results = try await sam.push([created, finalise])
        #expect(results.map(\.status) == [.accepted, .quarantined])
        #expect(results.last?.reason == "a statutory visit is finalised only with wishes recorded (edit it first)")
        let wishes = chain.make(.edit, .visit, record: created.recordID, case: "LA-1", writes: [write("wishes", "to stay with nan")])
        let again = chain.make(.finalise, .visit, record: created.recordID, case: "LA-1",
                               writes: [write("status", "final", supersedes: [created.id])], sealed: [created.id, wishes.id])
        #expect(try await sam.push([wishes, again]).map(\.status) == [.accepted, .accepted])
        #expect(try central.replica.snapshot(created.recordID).state.status == .final)
    }

    /// The peer judges a finalisation on what its author saw (the changes it seals), not on what reached the
    /// peer meanwhile: an edit that broke nothing for the finaliser cannot turn an honest finalise away.
    @Test func aFinalisationIsJudgedOnWhatItsAuthorSaw() async throws {
        let (central, folder) = try await TestCentral.withTeam(cases: ["LA-1": "sam"])
        defer { Task { await central.stop() } }
        let sam = try await central.device("sam", in: folder)
        let priya = try await central.device("priya", in: folder)
        try await sam.sync()
        let chain = HandChain(sam.store, clock: HandClock())
        let created = visit(chain, case: "LA-1", [write("type", "planned"), write("seen", "yes")])
        #expect(try await sam.push(created).status == .accepted)
        try await priya.sync()
        // The supervisor's edit reaches the peer first and, merged, breaks the visit rules (seen=no, alone=yes).
        _ = try priya.store.edit(created.recordID, values: [("seen", "no")])
        try await priya.sync()
        let alone = chain.make(.edit, .visit, record: created.recordID, case: "LA-1", writes: [write("seen_alone", "yes")])
        let finalise = chain.make(.finalise, .visit, record: created.recordID, case: "LA-1",
                                  writes: [write("status", "final", supersedes: [created.id])], sealed: [created.id, alone.id])
        #expect(try await sam.push([alone, finalise]).map(\.status) == [.accepted, .accepted])
        let state = try central.replica.snapshot(created.recordID).state
        #expect(state.status == .final)
        #expect(state.value("seen") == "yes", "the finaliser's value stays; the supervisor's raced edit is beside it")
        #expect(state.conflictedFields == ["seen"])
    }

    /// An amendment corrects only content fields of its target's type, and the corrected visit keeps the
    /// visit rules; a hand-built one that would reopen the record or break a rule is quarantined.
    @Test func anAmendmentCorrectsOnlyContentAndKeepsTheRules() async throws {
        let (central, folder) = try await TestCentral.withTeam(cases: ["LA-1": "sam"])
        defer { Task { await central.stop() } }
        let sam = try await central.device("sam", in: folder)
        try await sam.sync()
        let chain = HandChain(sam.store, clock: HandClock())
        let created = visit(chain, case: "LA-1", [write("type", "planned"), write("seen", "yes")])
        let finalise = chain.make(.finalise, .visit, record: created.recordID, case: "LA-1",
                                  writes: [write("status", "final", supersedes: [created.id])], sealed: [created.id])
        #expect(try await sam.push([created, finalise]).map(\.status) == [.accepted, .accepted])
        func amendment(_ corrected: String) -> Change {
            chain.make(.create, .amendment, record: newRecordID(), case: "LA-1", writes: [
                write("target_id", created.recordID), write("reason", "a correction"), write("corrected", corrected), write("status", "final"),
            ])
        }
        let results = try await sam.push([amendment(#"{"status":"draft"}"#), amendment(#"{"seen_alone":"yes","seen":"no"}"#),
                                          amendment("not json"), amendment(#"{"observations":"calm"}"#)])
        #expect(results.map(\.status) == [.quarantined, .quarantined, .quarantined, .accepted])
        #expect(results[0].reason == "a visit has no field status to correct")
        #expect(results[1].reason.hasPrefix("the corrected visit would break a visit rule"))
        #expect(try central.replica.snapshot(created.recordID).effectiveValues["observations"] == "calm")
        #expect(try central.replica.snapshot(created.recordID).state.status == .final)
    }
}
