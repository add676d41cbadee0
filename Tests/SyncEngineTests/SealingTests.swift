import Central
import CentralSQLite
import ClientSync
import Foundation
import Store
import SyncHTTPClient
import SyncProtocol
import Testing

/// Issue 11's merge defects, reproduced end to end: real device stores syncing with a real central peer on
/// 127.0.0.1. A final record's shown content is what was finalised plus its amendments, whatever raced it.
@Suite struct SealingTests {
    /// Item 1: the supervisor, still seeing the draft, writes a field the visit never had after the worker
    /// finalised it. Whichever reaches the peer first, the final record never shows the late words.
    @Test(arguments: [false, true])
    func aRacedEditToAFieldNeverWrittenNeverChangesAFinalRecord(editReachesThePeerFirst: Bool) async throws {
        let (central, folder) = try await TestCentral.withTeam(cases: ["LA-1": "sam"])
        defer { Task { await central.stop() } }
        let sam = try await central.device("sam", in: folder)
        let priya = try await central.device("priya", in: folder)
        try await sam.sync()
        let visit = try sam.store.addVisit(caseID: "LA-1", values: [("date", "2026-11-20"), ("type", "planned"), ("seen", "yes")])
        try await sam.sync()
        try await priya.sync()
        try sam.store.finalise(visit)
        _ = try priya.store.edit(visit, values: [("observations", "late words")])
        if editReachesThePeerFirst {
            try await priya.sync()
            try await sam.sync()
        } else {
            try await sam.sync()
            let summary = try await priya.sync()
            #expect(summary.rejected == 1, "the peer refuses an edit of a record that is final there")
            #expect(try priya.store.rejectedChanges().first?.reason.contains("it is final") == true)
        }
        try await priya.sync()
        for device in [sam, priya] {
            let state = try device.store.snapshot(visit).state
            #expect(state.status == .final)
            #expect(state.value("observations") == nil, "the late words are never the final record's value")
            #expect(try device.store.snapshot(visit).effectiveValues["observations"] == nil)
            if editReachesThePeerFirst {
                let conflict = try #require(try device.store.conflicts().first)
                #expect(conflict.field == "observations")
                #expect(conflict.versions.map(\.value) == [nil, "late words"], "the sealed absence beside the late value")
            } else {
                #expect(try device.store.conflicts().isEmpty)
            }
        }
        #expect(try central.replica.snapshot(visit).state.value("observations") == nil)
        if editReachesThePeerFirst {
            // The supervisor settles it by keeping the sealed absence; the late words stay in the history.
            try priya.store.resolve(visit, key: "observations", with: .keep(1))
            try await priya.sync()
            try await sam.sync()
            #expect(try sam.store.conflicts().isEmpty)
            #expect(try sam.store.history(visit).contains { $0.write(to: "observations")?.value == "late words" })
        }
    }

    /// Item 1, for a deletion: an edit racing it never changes the deleted record's content either.
    @Test func aRacedEditOfADeletedDraftIsAConflictNotAChange() async throws {
        let (central, folder) = try await TestCentral.withTeam(cases: ["LA-1": "sam"])
        defer { Task { await central.stop() } }
        let sam = try await central.device("sam", in: folder)
        let priya = try await central.device("priya", in: folder)
        try await sam.sync()
        let note = try sam.store.addNote(caseID: "LA-1", body: "draft words")
        try await sam.sync()
        try await priya.sync()
        try sam.store.delete(note, reason: "duplicate")
        _ = try priya.store.edit(note, values: [("body", "rewritten")])
        try await priya.sync()
        try await sam.sync()
        let state = try sam.store.snapshot(note).state
        #expect(state.status == .deleted)
        #expect(state.value("body") == "draft words")
        #expect(state.conflictedFields == ["body"])
    }

    /// Item 2: two laptops of one worker; each edit keeps the visit rules, together they break them. Every
    /// replica shows the fields as in conflict and finalise refuses, naming them, until an edit mends it.
    @Test func mergedEditsThatBreakTheVisitRulesBlockFinalise() async throws {
        let (central, folder) = try await TestCentral.withTeam(cases: ["LA-1": "sam"])
        defer { Task { await central.stop() } }
        let laptop1 = try await central.device("sam", in: folder)
        let laptop2 = try await central.device("sam", in: folder)
        try await laptop1.sync()
        let visit = try laptop1.store.addVisit(caseID: "LA-1", values: [("date", "2026-11-20"), ("type", "planned"), ("seen", "yes")])
        try await laptop1.sync()
        try await laptop2.sync()
        _ = try laptop1.store.edit(visit, values: [("seen", "no")])
        _ = try laptop2.store.edit(visit, values: [("alone", "yes")])
        try await laptop1.sync()
        try await laptop2.sync()
        try await laptop1.sync()
        for store in [laptop1.store, laptop2.store, central.replica] {
            let state = try store.snapshot(visit).state
            #expect(state.values["seen"] == "no" && state.values["seen_alone"] == "yes")
            #expect(state.conflictedFields == ["seen", "seen_alone"])
        }
        #expect(try laptop1.store.conflicts().map(\.field) == ["seen", "seen_alone"])
        #expect { try laptop1.store.finalise(visit) } throws: { error in
            "\(error)".contains("seen and alone") && "\(error)".contains("contradicts seen=no")
        }
        _ = try laptop1.store.edit(visit, values: [("alone", "")])
        try laptop1.store.finalise(visit)
        try await laptop1.sync()
        try await laptop2.sync()
        #expect(try laptop2.store.snapshot(visit).state.conflictedFields.isEmpty)
        #expect(try laptop2.store.snapshot(visit).state.status == .final)
    }

    /// Item 4: a device's own change the peer quarantined leaves its merge, so the device holds what the
    /// peer holds. Sam's edit recorded while the case was lee's is quarantined (the pull after that push
    /// fails, so the case stays on the device); the case comes back, and sam edits again. The later edit
    /// supersedes what the device shows; with the quarantined version still in its merge it would supersede
    /// only that one, and the device would show no conflict while the peer did.
    @Test func aDevicesOwnQuarantinedVersionLeavesItsMerge() async throws {
        let (central, folder) = try await TestCentral.withTeam(cases: ["LA-1": "sam"])
        defer { Task { await central.stop() } }
        let sam = try await central.device("sam", in: folder)
        try await sam.sync()
        let note = try sam.store.addNote(caseID: "LA-1", body: "v0")
        try await sam.sync()
        try await central.admin.assign(caseID: "LA-1", to: "lee", reason: "cover")
        try await Task.sleep(for: .milliseconds(5))
        _ = try sam.store.edit(note, values: [("body", "v1 written while the case was lee's")])
        // Version 1, whose push and pull are separate requests: the push lands and the pull is cut.
        var pushOnly = SyncClient(store: sam.store, transport: PullFails(inner: HTTPSyncTransport(baseURL: central.url)))
        pushOnly.protocolVersion = .v1
        await #expect(throws: SyncError.self) { try await pushOnly.sync() }
        #expect(try sam.store.rejectedChanges().count == 1)
        #expect(try sam.store.snapshot(note).state.value("body") == "v0", "the quarantined version leaves the merge at once")
        try await central.admin.assign(caseID: "LA-1", to: "sam", reason: "back")
        try await Task.sleep(for: .milliseconds(5))
        _ = try sam.store.edit(note, values: [("body", "v2")])
        try await sam.sync()
        let peer = try central.replica.snapshot(note).state
        let mine = try sam.store.snapshot(note).state
        #expect(mine.fields["body"]?.current.map(\.change) == peer.fields["body"]?.current.map(\.change))
        #expect(mine.conflictedFields == peer.conflictedFields)
        #expect(mine.value("body") == "v2")
        #expect(try sam.store.rejectedChanges().count == 1, "the quarantined change stays listed")
        #expect(try sam.store.verify().isIntact)
    }

    /// Issue 12, defect 3: a rejected change stays listed after its case leaves the device. Sam records a
    /// note on a case reallocated meanwhile; the sync that quarantines it also purges the case; `rejected`
    /// still lists it, without the child's record, which the central peer keeps in its quarantine.
    @Test func aRejectedChangeStaysListedAfterItsCaseIsPurged() async throws {
        let (central, folder) = try await TestCentral.withTeam(cases: ["LA-1": "sam"])
        defer { Task { await central.stop() } }
        let sam = try await central.device("sam", in: folder)
        try await sam.sync()
        try await central.admin.assign(caseID: "LA-1", to: "lee", reason: "cover")
        try await Task.sleep(for: .milliseconds(5))
        _ = try sam.store.addNote(caseID: "LA-1", body: "written after the case moved")
        let summary = try await sam.sync()
        #expect(summary.rejected == 1)
        #expect(try sam.store.caseIDs().isEmpty, "the case left the device")
        let rejected = try sam.store.rejectedChanges()
        #expect(rejected.count == 1)
        #expect(try sam.store.rejectedCount() == 1)
        #expect(rejected.first?.caseID == "LA-1" && rejected.first?.kind == .create && rejected.first?.change == nil)
        #expect(rejected.first?.reason == "case LA-1 is not allocated to sam")
        #expect(try await central.admin.storage.quarantine(state: .held).count == 1)
        #expect(try sam.store.verify().isIntact)
    }

    /// Item 5: amendments are ordered by HLC, not the device's clock: a later correction from a laptop whose
    /// clock is 10 minutes slow is the one shown. Two that did not see each other are a conflict, which a
    /// resolution (a further amendment) settles on every replica.
    @Test func amendmentsFollowTheHLCAndConcurrentOnesConflict() async throws {
        let (central, folder) = try await TestCentral.withTeam(cases: ["LA-1": "sam"])
        defer { Task { await central.stop() } }
        let sam = try await central.device("sam", in: folder)
        let priya = try await central.device("priya", in: folder, clock: { Date().addingTimeInterval(-600) })
        try await sam.sync()
        let visit = try sam.store.addVisit(caseID: "LA-1", values: [("date", "2026-11-20"), ("type", "planned"), ("seen", "yes")])
        try sam.store.finalise(visit)
        _ = try sam.store.amend(visit, reason: "typo", values: [("observations", "first")])
        try await sam.sync()
        try await priya.sync()
        _ = try priya.store.amend(visit, reason: "checked with the family", values: [("observations", "second")])
        try await priya.sync()
        try await sam.sync()
        for store in [sam.store, priya.store, central.replica] {
            #expect(try store.snapshot(visit).effectiveValues["observations"] == "second")
            #expect(try store.conflicts().isEmpty)
        }
        // Concurrent: neither saw the other.
        _ = try sam.store.amend(visit, reason: "sam's view", values: [("observations", "from sam")])
        _ = try priya.store.amend(visit, reason: "priya's view", values: [("observations", "from priya")])
        try await sam.sync()
        try await priya.sync()
        try await sam.sync()
        for store in [sam.store, priya.store] {
            let conflict = try #require(try store.conflicts().first)
            #expect(conflict.betweenAmendments && conflict.field == "observations")
            #expect(Set(conflict.versions.map(\.value)) == ["from sam", "from priya"])
        }
        try priya.store.resolve(visit, key: "observations", with: .value("agreed words"))
        try await priya.sync()
        try await sam.sync()
        for store in [sam.store, priya.store, central.replica] {
            #expect(try store.conflicts().isEmpty)
            #expect(try store.snapshot(visit).effectiveValues["observations"] == "agreed words")
        }
    }
}

/// Passes pushes through and fails every pull, as a connection lost between the two halves of a sync.
private struct PullFails: SyncTransport {
    let inner: any SyncTransport
    struct Cut: Error {}

    func post(path: String, body: [UInt8], token: String?) async throws -> (status: Int, body: [UInt8]) {
        if path.hasSuffix("/pull") { throw Cut() }
        return try await inner.post(path: path, body: body, token: token)
    }
}
