import Central
import CentralSQLite
import ClientSync
import Foundation
import GRDB
import Store
import SyncProtocol
import Testing

/// Regression tests for the items 9–14, each against a real central peer over HTTP. A forger is a
/// second enrolled device of the same user that pushes hand-built changes (a correct hash chain, so only
/// the change's content is judged). Every test here failed on the code before the one change policy
/// (commit a469003); they use nothing that code lacked, so they can be run against it.
@Suite(.serialized) struct PolicyRegressionTests {
    private let caseValues: [(key: String, value: String)] = [
        ("child", "A Child"), ("dob", "2015-01-01"), ("category", "CP"), ("plan_start", "2026-10-01"),
    ]

    /// A second device of `user`, for hand-built changes.
    private func forger(_ user: String, _ central: TestCentral, _ folder: URL, _ clock: HandClock) async throws -> (device: Device, chain: HandChain) {
        let device = try await central.device(user, in: folder)
        return (device, HandChain(device.store, clock: clock))
    }

    private func newNote(_ chain: HandChain, case caseID: String, body: String, id: String = newRecordID()) -> Change {
        chain.make(.create, .note, record: id, case: caseID,
                   writes: [write("body", body), write("category", "general"), write("status", "draft")])
    }

    private func amendment(_ chain: HandChain, case caseID: String, target: String, field: String, value: String) -> Change {
        chain.make(.create, .amendment, record: newRecordID(), case: caseID, writes: [
            write("target_id", target), write("reason", "a correction"), write("corrected", "{\"\(field)\":\"\(value)\"}"),
            write("status", "final"),
        ])
    }

    // MARK: 9

    /// Item 9: a worker's hand-built `delete` of her own final note is quarantined (only drafts are
    /// deleted), and so is her delete of a supervisor's oversight entry (oversight is final when saved);
    /// both records stay final on the peer. Before a469003 the peer checked only what a delete writes,
    /// so both were accepted.
    @Test func aWorkersDeleteOfHerFinalNoteOrOfOversightIsQuarantined() async throws {
        let (central, folder) = try await TestCentral.withTeam(cases: ["LA-1": "sam"])
        defer { Task { await central.stop() } }
        let clock = HandClock()
        let sam = try await central.device("sam", in: folder)
        let priya = try await central.device("priya", in: folder)
        try await sam.sync()
        try await priya.sync()
        let note = try sam.store.addNote(caseID: "LA-1", body: "what happened")
        try sam.store.finalise(note)
        let entry = try priya.store.addOversight(caseID: "LA-1", body: "Agreed plan: weekly visits.")
        #expect(try await sam.sync().rejected == 0)
        #expect(try await priya.sync().rejected == 0)
        try await sam.sync()

        #expect(throws: StoreError.self) { try sam.store.delete(note, reason: "regret") }
        #expect(throws: StoreError.self) { try sam.store.delete(entry, reason: "disagree") }

        let (forger, chain) = try await forger("sam", central, folder, clock)
        for recordID in [note, entry] {
            let state = try sam.store.snapshot(recordID).state
            let delete = chain.make(.delete, state.recordType, record: recordID, case: "LA-1",
                                    writes: [write("status", "deleted", supersedes: state.currentVersionIDs(of: "status")),
                                             write("delete_reason", "hand-built")],
                                    sealed: state.sealCandidate)
            let result = try await forger.push(delete)
            #expect(result.status == .quarantined, "delete of a final \(state.recordType.rawValue): \(result.reason)")
            #expect(try central.replica.snapshot(recordID).state.status == .final)
        }
        #expect(try await central.admin.storage.quarantine(state: .held).count == 2)
    }

    // MARK: 10

    /// Item 10: a worker's hand-built amendment filed on her own case, whose target is a final note in a
    /// case she cannot see, is quarantined, and the supervisor (who sees both cases) is shown no forged
    /// text for that note. Before a469003 an amendment's target was never looked at: it was accepted, and
    /// every device holding its case showed the forged words as the other case's note.
    @Test func anAmendmentOnHerOwnCaseCannotCorrectANoteOfACaseSheCannotSee() async throws {
        let central = try await TestCentral.start()
        defer { Task { await central.stop() } }
        try await central.seedTeam()
        try await central.addCase("LA-1", worker: "sam")
        try await central.addCase("LA-2", worker: "lee")
        let folder = try temporaryFolder()
        let clock = HandClock()
        let lee = try await central.device("lee", in: folder)
        let priya = try await central.device("priya", in: folder)
        try await lee.sync()
        let note = try lee.store.addNote(caseID: "LA-2", body: "lee's own words")
        try lee.store.finalise(note)
        #expect(try await lee.sync().rejected == 0)

        let (forger, chain) = try await forger("sam", central, folder, clock)
        try await forger.sync()
        #expect(try forger.store.caseIDs() == ["LA-1"], "sam cannot see LA-2")
        let forged = amendment(chain, case: "LA-1", target: note, field: "body", value: "FORGED by sam")
        let result = try await forger.push(forged)
        #expect(result.status == .quarantined, "\(result.reason)")

        try await priya.sync()
        for store in [priya.store, central.replica] {
            let snapshot = try store.snapshot(note)
            #expect(snapshot.amendments.isEmpty)
            #expect(snapshot.effectiveValues["body"] == "lee's own words")
            #expect(!snapshot.effectiveValues.values.contains { $0.contains("FORGED") })
            #expect(!(try store.chronology("LA-1")).contains { $0.summary.contains(note) })
        }
    }

    // MARK: 11

    /// Item 11: a worker cannot amend a supervisor's oversight entry: her store refuses the command, and
    /// the same amendment hand-built is quarantined; the supervisor can. Before a469003 the store and the
    /// peer let anyone amend any final record, oversight included.
    @Test func aWorkerCannotAmendASupervisorsOversight() async throws {
        let (central, folder) = try await TestCentral.withTeam(cases: ["LA-1": "sam"])
        defer { Task { await central.stop() } }
        let clock = HandClock()
        let sam = try await central.device("sam", in: folder)
        let priya = try await central.device("priya", in: folder)
        try await priya.sync()
        let entry = try priya.store.addOversight(caseID: "LA-1", body: "Agreed plan: weekly visits.")
        #expect(try await priya.sync().rejected == 0)
        try await sam.sync()

        #expect(throws: StoreError.self) { _ = try sam.store.amend(entry, reason: "I disagree", values: [("body", "No plan agreed.")]) }
        #expect(try sam.store.pendingCount() == 0)

        let (forger, chain) = try await forger("sam", central, folder, clock)
        let result = try await forger.push(amendment(chain, case: "LA-1", target: entry, field: "body", value: "No plan agreed."))
        #expect(result.status == .quarantined, "\(result.reason)")
        #expect(try central.replica.snapshot(entry).effectiveValues["body"] == "Agreed plan: weekly visits.")

        _ = try priya.store.amend(entry, reason: "dates", values: [("body", "Agreed plan: visits every 10 days.")])
        #expect(try await priya.sync().rejected == 0)
        try await sam.sync()
        #expect(try sam.store.snapshot(entry).effectiveValues["body"] == "Agreed plan: visits every 10 days.")
    }

    // MARK: 12

    /// Item 12: a worker cannot finalise another worker's draft (the case came to her with lee's draft on
    /// it): her store refuses and her hand-built finalise is quarantined; the supervisor can finalise it.
    /// Before a469003 finalise asked only that the record was a draft.
    @Test func aWorkerCannotFinaliseAnotherWorkersDraftButASupervisorCan() async throws {
        let (central, folder) = try await TestCentral.withTeam(cases: ["LA-1": "lee"])
        defer { Task { await central.stop() } }
        let clock = HandClock()
        let lee = try await central.device("lee", in: folder)
        try await lee.sync()
        let draft = try lee.store.addNote(caseID: "LA-1", body: "lee's draft, not checked yet")
        #expect(try await lee.sync().rejected == 0)
        try await central.admin.assign(caseID: "LA-1", to: "sam", reason: "lee moved team")

        let sam = try await central.device("sam", in: folder)
        try await sam.sync()
        #expect(try sam.store.snapshot(draft).state.status == .draft)
        #expect(throws: StoreError.self) { try sam.store.finalise(draft) }

        let (forger, chain) = try await forger("sam", central, folder, clock)
        let state = try sam.store.snapshot(draft).state
        let finalise = chain.make(.finalise, .note, record: draft, case: "LA-1",
                                  writes: [write("status", "final", supersedes: state.currentVersionIDs(of: "status"))],
                                  sealed: state.sealCandidate)
        let result = try await forger.push(finalise)
        #expect(result.status == .quarantined, "\(result.reason)")
        #expect(try central.replica.snapshot(draft).state.status == .draft)

        let priya = try await central.device("priya", in: folder)
        try await priya.sync()
        try priya.store.finalise(draft)
        #expect(try await priya.sync().rejected == 0)
        #expect(try central.replica.snapshot(draft).state.status == .final)
    }

    // MARK: 13

    /// Item 13: no quarantine reason names who holds a case the pusher cannot see, whatever was refused:
    /// new records, edits, amendments and oversight on other workers' cases, on another team's, on an
    /// unallocated case and on no case, and a record named as belonging to the wrong case. Checked for a
    /// worker and a supervisor: no reason names any user but the pusher. Before a469003 the access
    /// refusal said "(it is allocated to W)".
    @Test func quarantineReasonsNeverNameWhoHoldsACase() async throws {
        let central = try await TestCentral.start()
        defer { Task { await central.stop() } }
        try await central.seedTeam()
        try await central.addCase("LA-1", worker: "sam")
        try await central.addCase("LA-2", worker: "lee")
        try await central.addCase("LA-3", worker: "kim")
        try await central.addCase("LA-4", worker: nil)
        let folder = try temporaryFolder()
        let clock = HandClock()
        let lee = try await central.device("lee", in: folder)
        let kim = try await central.device("kim", in: folder)
        try await lee.sync()
        try await kim.sync()
        let leesDraft = try lee.store.addNote(caseID: "LA-2", body: "lee's draft")
        let leesFinal = try lee.store.addNote(caseID: "LA-2", body: "lee's final note")
        try lee.store.finalise(leesFinal)
        let kimsDraft = try kim.store.addNote(caseID: "LA-3", body: "kim's draft")
        try await lee.sync()
        try await kim.sync()

        let users = ["sam", "lee", "kim", "priya"]
        for pusher in ["sam", "priya"] {
            let (forger, chain) = try await forger(pusher, central, folder, clock)
            var changes: [Change] = []
            for caseID in ["LA-2", "LA-3", "LA-4", "LA-99"] where !(pusher == "priya" && caseID == "LA-2") {
                changes.append(newNote(chain, case: caseID, body: "\(pusher) writes on \(caseID)"))
                changes.append(chain.make(.create, .oversight, record: newRecordID(), case: caseID,
                                          writes: [write("body", "oversight"), write("status", "final")]))
                changes.append(chain.make(.edit, .case, record: caseID, case: caseID, writes: [write("plan_start", "2026-10-02")]))
            }
            let (draft, draftCase) = pusher == "sam" ? (leesDraft, "LA-2") : (kimsDraft, "LA-3")
            changes.append(chain.make(.edit, .note, record: draft, case: draftCase, writes: [write("body", "overwritten")]))
            changes.append(chain.make(.finalise, .note, record: draft, case: draftCase, writes: [write("status", "final")]))
            changes.append(chain.make(.edit, .note, record: draft, case: "LA-1", writes: [write("body", "named on the wrong case")]))
            if pusher == "sam" {
                changes.append(amendment(chain, case: "LA-2", target: leesFinal, field: "body", value: "forged"))
                changes.append(amendment(chain, case: "LA-1", target: leesFinal, field: "body", value: "forged"))
            }
            let results = try await forger.push(changes)
            #expect(results.count == changes.count)
            for (change, result) in zip(changes, results) {
                #expect(result.status == .quarantined, "\(pusher) \(change.kind) \(change.recordType) on \(change.caseID): \(result.reason)")
                for other in users where other != pusher {
                    #expect(!result.reason.contains(other), "\(pusher) \(change.kind) \(change.recordType) on \(change.caseID): \(result.reason)")
                }
            }
        }
        let reasons = try await central.admin.storage.quarantine(state: nil).map(\.reason)
        #expect(reasons.count > 20)
        #expect(reasons.allSatisfy { reason in !["lee", "kim"].contains { reason.contains($0) } }, "\(reasons)")
    }

    // MARK: 14

    /// Item 14, first part: a hand-built note whose record id is a case id (not a UUID) is quarantined,
    /// and the administrator can then add that case. Before a469003 the note was accepted under the id, so
    /// `admin case add LA-9` failed: the id was taken by a note.
    @Test func aRecordIdThatIsACaseIdIsQuarantinedAndTheCaseCanStillBeAdded() async throws {
        let (central, folder) = try await TestCentral.withTeam(cases: ["LA-1": "sam"])
        defer { Task { await central.stop() } }
        let clock = HandClock()
        let (forger, chain) = try await forger("sam", central, folder, clock)
        let squatter = newNote(chain, case: "LA-1", body: "takes the id of a case to come", id: "LA-9")
        let result = try await forger.push(squatter)
        #expect(result.status == .quarantined, "\(result.reason)")

        try await central.addCase("LA-9", worker: "sam")
        let sam = try await central.device("sam", in: folder)
        #expect(try await sam.sync().rejected == 0)
        #expect(try sam.store.caseState("LA-9").recordType == .case)
        #expect(Set(try sam.store.caseIDs()) == ["LA-1", "LA-9"])
    }

    /// Item 14, second part: a pull whose `purged_cases` names a case the same pull lists in `held_cases`
    /// is not recorded as a purge in the custody audit (what `fieldbook admin audit` shows); a true purge
    /// still is. Before a469003 every case named in `purged_cases` was recorded as purged.
    @Test func aPurgeOfACaseTheDeviceStillHoldsIsNotAudited() async throws {
        let central = try await TestCentral.start()
        defer { Task { await central.stop() } }
        try await central.seedTeam()
        try await central.addCase("LA-1", worker: "sam")
        try await central.addCase("LA-2", worker: "sam")
        let folder = try temporaryFolder()
        let sam = try await central.device("sam", in: folder)
        try await sam.sync()
        let token = try #require(try sam.store.syncState().token)

        var pull = Fieldbook_V1_PullRequest()
        pull.cursor = try sam.store.syncState().cursor
        pull.maxChanges = 1000
        pull.heldCases = ["LA-1", "LA-2"]
        pull.purgedCases = ["LA-1"]
        let answer = try await sam.client.transport.post(path: "/v1/pull", body: try MessageCodec.encode(pull), token: token)
        #expect(answer.status == 200)
        let held = try #require(try await central.admin.storage.custody(of: "LA-1").first { $0.deviceID == sam.store.deviceID })
        #expect(held.purgedAt == nil, "a case the device says it holds was audited as purged")

        // A real purge (the case moved to lee) is still audited once the device reports it.
        try await central.admin.assign(caseID: "LA-2", to: "lee", reason: "moved")
        try await sam.sync()
        try await sam.sync()
        let purged = try #require(try await central.admin.storage.custody(of: "LA-2").first { $0.deviceID == sam.store.deviceID })
        #expect(purged.purgedAt != nil)
    }

    /// Item 14, third part: a change whose seq leaves a gap is quarantined and does not take its number:
    /// when the missing change arrives, and then the gap one again, both are accepted and the chain goes
    /// on; and when a different change was pushed ahead under a number, the device's real change with that
    /// number is still accepted when its turn comes. Before a469003 the quarantined gap change counted as
    /// "received before", so the real one was refused as a replay and the chain stopped there.
    @Test func aGapIsQuarantinedWithoutTakingItsNumber() async throws {
        let (central, folder) = try await TestCentral.withTeam(cases: ["LA-1": "sam"])
        defer { Task { await central.stop() } }
        let clock = HandClock()
        let (forger, chain) = try await forger("sam", central, folder, clock)
        let first = newNote(chain, case: "LA-1", body: "one")
        let second = newNote(chain, case: "LA-1", body: "two")
        let third = newNote(chain, case: "LA-1", body: "three")
        #expect(try await forger.push(first).status == .accepted)

        let early = try await forger.push(third)
        #expect(early.status == .quarantined)
        #expect(early.reason == "out of order: the next change expected from this device is number 2", "\(early.reason)")
        #expect(try await forger.push(second).status == .accepted)
        let again = try await forger.push(third)
        #expect(again.status == .accepted, "the gap change, pushed again in its turn: \(again.reason)")

        // Number 5 pushed ahead with other content; the device's own 4 and 5 then arrive and are accepted.
        let fourth = newNote(chain, case: "LA-1", body: "four")
        let fifth = newNote(chain, case: "LA-1", body: "five")
        let impostor = chain.detached(seq: 5, previousHash: fourth.hash, .create, .note, record: newRecordID(), case: "LA-1",
                                      writes: [write("body", "pushed ahead"), write("status", "draft")])
        #expect(try await forger.push(impostor).status == .quarantined)
        #expect(try await forger.push(fourth).status == .accepted)
        let real = try await forger.push(fifth)
        #expect(real.status == .accepted, "the real change number 5: \(real.reason)")
        let sixth = newNote(chain, case: "LA-1", body: "six")
        #expect(try await forger.push(sixth).status == .accepted)
        #expect(try await forger.push(impostor).reason.contains("replay or forgery"), "now number 5 is taken by the real one")
        #expect(try central.replica.chronology("LA-1").count == 6)
    }
}
