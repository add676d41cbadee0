import Foundation
import GRDB
import Testing
@testable import Store

/// The case record for court (issue 12, feature 1): every visit, note, amendment, oversight entry,
/// deletion, resolution and allocation of a case in time order, in full, with who and when, on real
/// stores: Sam's laptop, and Priya's, whose changes reach Sam's as they would through the central peer.
@Suite struct CaseRecordTests {
    let folder: TemporaryFolder
    let clock = TestClock("2026-11-20T12:00:00Z")
    let sam: CaseStore
    let priya: CaseStore

    init() throws {
        folder = try TemporaryFolder()
        sam = try CaseStore.temporary(in: folder, name: "sam.sqlite", clock: clock)
        priya = try CaseStore.temporary(in: folder, name: "priya.sqlite", author: "priya.shah", clock: clock)
    }

    /// Every change of `from`'s own that `to` has not seen, applied as a pull would apply them.
    private func send(_ from: CaseStore, to: CaseStore) throws {
        let changes = try from.pool.read { db in try ChangeLog.fetch(db, where: "device_id = ?", [from.deviceID]) }
        try to.applyPulled(changes, receivedAt: [:], cursor: 0)
    }

    /// Sam's changes so far come back from the central peer with the time it received them.
    private func receiveOwn(_ store: CaseStore, at time: String) throws -> Set<ChangeID> {
        let changes = try store.pool.read { db in try ChangeLog.fetch(db, where: "device_id = ?", [store.deviceID]) }
        try store.applyPulled(changes, receivedAt: Dictionary(uniqueKeysWithValues: changes.map { ($0.id, time) }), cursor: 0)
        return Set(changes.map(\.id))
    }

    private func tick() { clock.advance(seconds: 60) }

    struct Story {
        var visit = "", note = "", deleted = "", resolved = "", conflicted = "", oversight = "", amendment = "", priyaNote = ""
    }

    /// The case's story, from the first visit to an unresolved conflict.
    private func tell() throws -> Story {
        var story = Story()
        try sam.addCase(id: "LA-1", values: [("child", "Jay Brooks"), ("dob", "2015-03-09"), ("category", "CLA"),
                                             ("placement_start", "2026-10-01")])
        tick()
        story.visit = try sam.addVisit(caseID: "LA-1", values: [
            ("date", "2026-10-05T10:00"), ("type", "statutory"), ("seen", "yes"), ("alone", "yes"), ("location", "foster home"),
            ("wishes", "I want to stay here.\nAnd I want to see my sister every week."),
            ("observations", "Jay showed me his room; it was warm and tidy."),
        ])
        try sam.finalise(story.visit)
        tick()
        story.note = try sam.addNote(caseID: "LA-1", body: "Carer rang: school trip went well.\nJay came home happy.",
                                     values: [("category", "phone"), ("date", "2026-10-07T09:00")])
        try sam.finalise(story.note)
        _ = try receiveOwn(sam, at: "2026-11-20T12:30:00.000Z")
        tick()
        story.amendment = try sam.amend(story.visit, reason: "the visit was at his grandmother's", values: [("location", "grandmother's home")])
        tick()
        story.deleted = try sam.addNote(caseID: "LA-1", body: "Wrong child.", values: [("date", "2026-10-10T11:00")])
        try sam.delete(story.deleted, reason: "entered on the wrong case")
        tick()
        // A draft both Sam and Priya edit without seeing each other: Sam settles it (the draft is his).
        story.resolved = try sam.addNote(caseID: "LA-1", body: "Strategy meeting held.", values: [("date", "2026-10-12T14:00")])
        // And a draft visit whose observations both change: left in conflict.
        story.conflicted = try sam.addVisit(caseID: "LA-1", values: [("date", "2026-10-20T16:00"), ("type", "planned")])
        try send(sam, to: priya)
        tick()
        _ = try priya.edit(story.resolved, values: [("body", "Strategy meeting held; police attended.")])
        _ = try priya.edit(story.conflicted, values: [("observations", "Priya: house cold.")])
        story.priyaNote = try priya.addNote(caseID: "LA-1", body: "Manager's note.", values: [("date", "2026-10-21T09:00")])
        _ = try sam.edit(story.resolved, values: [("body", "Strategy meeting held; school attended.")])
        _ = try sam.edit(story.conflicted, values: [("observations", "Sam: house warm.")])
        try send(priya, to: sam)
        tick()
        try sam.resolve(story.resolved, key: "body", with: .value("Strategy meeting held; police and school attended."))
        tick()
        story.oversight = try sam.addOversight(caseID: "LA-1", body: "Supervision: <b>keep going</b> & review in 4 weeks.")
        tick()
        _ = try sam.edit("LA-1", values: [("worker", "lee.ward"), ("long_term", "yes")])
        return story
    }

    @Test func everyEntryInTimeOrderInFull() throws {
        let story = try tell()
        let record = try sam.caseRecord("LA-1")
        // Visits and notes by when they happened, then what was recorded later, in the order it was.
        #expect(record.entries.map(\.kind) == [
            .visit, .note, .note, .note, .visit, .note,
            .caseOpened, .amendment, .deletion, .resolution, .oversight, .allocation, .caseDetails,
        ])
        #expect(record.entries.prefix(6).map(\.recordID) == [story.visit, story.note, story.deleted, story.resolved, story.conflicted, story.priyaNote])
        #expect(record.entries.map(\.when) == record.entries.map(\.when).sorted())

        let visit = try #require(record.entries.first)
        guard case .record(let fields, let amendments) = visit.content else { Issue.record("not a record: \(visit.content)"); return }
        #expect(visit.status == .final)
        #expect(visit.when == "2026-10-05T10:00:00Z")
        #expect(fields.map(\.key) == RecordType.visit.schema.keys, "every field, recorded or not")
        #expect(fields.first { $0.key == "wishes" }?.value == "I want to stay here.\nAnd I want to see my sister every week.")
        let location = try #require(fields.first { $0.key == "location" })
        #expect(location.value == "grandmother's home")
        #expect(location.recorded == .some("foster home"), "the original beside the correction")
        #expect(fields.first { $0.key == "analysis" }?.value == nil)
        #expect(amendments.count == 1)
        #expect(amendments.first?.reason == "the visit was at his grandmother's")
        #expect(amendments.first?.corrections == [CaseRecordCorrection(field: "location", key: "location", before: "foster home", after: "grandmother's home")])
        #expect(amendments.first?.recordID == story.amendment)
        #expect(visit.stamp.author == "sam.okafor" && visit.stamp.kind == .create)
        #expect(visit.stamp.recordedAt == "2026-11-20T12:01:00.000Z")
        #expect(visit.stamp.receipt == .received(at: "2026-11-20T12:30:00.000Z"))
        #expect(visit.finalised?.receipt == .received(at: "2026-11-20T12:30:00.000Z"))

        let amendment = record.entries[7]
        guard case .amendment(let corrects, let target) = amendment.content else { Issue.record("not an amendment"); return }
        #expect(target.recordID == story.visit && target.type == .visit && target.when == "2026-10-05T10:00:00Z")
        #expect(corrects.corrections.first?.before == "foster home")
        #expect(amendment.stamp.receipt == .notYetSynced, "made after the last sync")
    }

    @Test func deletionsResolutionsConflictsAndAllocation() throws {
        let story = try tell()
        let record = try sam.caseRecord("LA-1")
        let deletedNote = try #require(record.entries.first { $0.recordID == story.deleted && $0.kind == .note })
        #expect(deletedNote.status == .deleted)
        #expect(deletedNote.deleteReason == "entered on the wrong case")
        if case .record(let fields, _) = deletedNote.content {
            #expect(fields.first { $0.key == "body" }?.value == "Wrong child.", "a deleted draft is shown in full")
        }
        let deletion = try #require(record.entries.first { $0.kind == .deletion })
        #expect(deletion.content == .deletion(reason: "entered on the wrong case",
                                              target: CaseRecordTarget(recordID: story.deleted, type: .note, when: "2026-10-10T11:00:00Z")))

        let resolution = try #require(record.entries.first { $0.kind == .resolution })
        guard case .resolution(let field, _, let kept, let replaced, let target) = resolution.content else { Issue.record("no resolution"); return }
        #expect(field == "body" && target.recordID == story.resolved)
        #expect(kept == "Strategy meeting held; police and school attended.")
        #expect(Set(replaced.map(\.value)) == ["Strategy meeting held; police attended.", "Strategy meeting held; school attended."])
        #expect(Set(replaced.map(\.author)) == ["sam.okafor", "priya.shah"])
        #expect(resolution.stamp.kind == .resolve && resolution.stamp.author == "sam.okafor")

        let conflicted = try #require(record.entries.first { $0.recordID == story.conflicted && $0.kind == .visit })
        #expect(conflicted.conflicts.map(\.field) == ["observations"])
        #expect(Set(conflicted.conflicts.first?.versions.compactMap(\.value) ?? []) == ["Priya: house cold.", "Sam: house warm."])
        #expect(record.conflictCount == 1)
        #expect(conflicted.lastEdit != nil && conflicted.edits == 2, "Sam's edit and Priya's")

        let fromPriya = try #require(record.entries.first { $0.recordID == story.priyaNote })
        #expect(fromPriya.stamp.author == "priya.shah")
        #expect(fromPriya.stamp.receipt == .viaCentralPeer)

        let oversight = try #require(record.entries.first { $0.kind == .oversight })
        #expect(oversight.status == .final && oversight.finalised == nil, "final when saved")
        if case .record(let fields, _) = oversight.content {
            #expect(fields.map(\.value) == ["Supervision: <b>keep going</b> & review in 4 weeks."], "stored as written")
        }

        let allocation = try #require(record.entries.first { $0.kind == .allocation })
        #expect(allocation.content == .allocation(worker: "lee.ward", previous: "sam.okafor"))
        let details = try #require(record.entries.first { $0.kind == .caseDetails })
        #expect(details.content == .caseDetails([CaseRecordCorrection(field: "long_term", key: "long_term", before: nil, after: "yes")]))
        let opened = try #require(record.entries.first { $0.kind == .caseOpened })
        if case .caseDetails(let written) = opened.content {
            #expect(written.map(\.key) == ["child", "dob", "category", "worker", "placement_start"])
        }

        #expect(record.header.childName == "Jay Brooks")
        #expect(record.header.worker == "lee.ward" && record.header.longTerm)
        #expect(record.header.allocation.map(\.worker) == ["sam.okafor", "lee.ward"])
        #expect(record.header.nextVisit != nil)
        #expect(record.header.opened?.author == "sam.okafor")
        #expect(record.generatedBy == "sam.okafor" && record.generatedAt == "2026-11-20T12:09:00.000Z")
        #expect(record.pendingChanges > 0 && record.refusedChanges == 0)
        #expect(record.centralPeer == nil)
    }

    /// The peer's received time comes with every pulled change; the store keeps it for other devices'
    /// changes too, and nothing of its own is counted differently for it.
    @Test func theCentralPeersReceivedTimeOfOtherDevicesChangesIsKept() throws {
        try sam.seedCase("LA-2")
        try send(sam, to: priya)
        let note = try priya.addNote(caseID: "LA-2", body: "Manager's note.", values: [("date", "2026-10-21T09:00")])
        let changes = try priya.pool.read { db in try ChangeLog.fetch(db, where: "device_id = ?", [priya.deviceID]) }
        try sam.applyPulled(changes, receivedAt: Dictionary(uniqueKeysWithValues: changes.map { ($0.id, "2026-11-20T13:00:00.000Z") }), cursor: 0)
        let entry = try #require(try sam.caseRecord("LA-2").entries.first { $0.recordID == note })
        #expect(entry.stamp.receipt == .received(at: "2026-11-20T13:00:00.000Z"))
        #expect(try sam.pendingCount() == 1, "the case's own creation is still pending")
        #expect(try sam.rejectedCount() == 0)
        #expect(try sam.pendingChanges(limit: 10).map(\.id.deviceID) == [sam.deviceID])
    }

    @Test func aCaseTheStoreDoesNotHoldIsNoSuchCase() throws {
        try sam.seedCase()
        #expect(throws: StoreError.noSuchCase("LA-9", known: ["LA-1001"])) { try sam.caseRecord("LA-9") }
        let empty = try sam.caseRecord("LA-1001")
        #expect(empty.entries.map(\.kind) == [.caseOpened])
    }

    /// The record's summary view (`case ID`) is untouched by the full record.
    @Test func theShortChronologyIsUnchanged() throws {
        let story = try tell()
        let short = try sam.chronology("LA-1")
        #expect(short.first { $0.recordID == story.visit }?.summary == "statutory, seen alone")
    }
}
