import Central
import CentralSQLite
import ClientSync
import Foundation
@testable import Store
import SyncProtocol
import Testing

/// Issue 12, feature 4: a sync says what arrived for its user, beyond the counts, with a real central peer
/// on 127.0.0.1 and real store files.
@Suite(.serialized) struct SyncArrivalsTests {
    @Test func aSyncSaysWhatArrivedForItsUser() async throws {
        let (central, folder) = try await TestCentral.withTeam(cases: ["LA-1": "sam", "LA-2": "lee"])
        defer { Task { await central.stop() } }
        let sam = try await central.device("sam", in: folder)
        let samsOtherLaptop = try await central.device("sam", in: folder)
        let lee = try await central.device("lee", in: folder)
        let priya = try await central.device("priya", in: folder)

        let first = try await sam.sync().arrivals
        #expect(first.newCases.samples == ["LA-1"] && first.newCases.count == 1, "\(first)")
        #expect(first.oversight.count == 0 && first.amendments.count == 0)

        let visit = try sam.store.addVisit(caseID: "LA-1", values: [("date", "2026-11-19"), ("type", "planned"), ("seen", "yes"),
                                                                    ("alone", "yes"), ("wishes", "wants a dog")])
        try sam.store.finalise(visit)
        let draft = try sam.store.addNote(caseID: "LA-1", body: "first draft", values: [])
        let pushed = try await sam.sync()
        #expect(pushed.arrivals.isEmpty, "echoes of sam's own changes are no news: \(pushed.arrivals)")

        // Others write on sam's case: the supervisor's oversight and an amendment, a colleague's note on
        // lee's case, sam's other laptop a note; then lee's case is reallocated to sam.
        try await priya.sync()
        _ = try priya.store.addOversight(caseID: "LA-1", body: "Discussed in supervision; visit weekly.")
        _ = try priya.store.amend(visit, reason: "wrong date entered", values: [("date", "2026-11-18")])
        try await priya.sync()
        try await samsOtherLaptop.sync()
        _ = try samsOtherLaptop.store.addNote(caseID: "LA-1", body: "from the other laptop", values: [])
        try await samsOtherLaptop.sync()
        try await lee.sync()
        _ = try lee.store.addNote(caseID: "LA-2", body: "lee's handover note", values: [])
        try await lee.sync()
        try await central.admin.assign(caseID: "LA-2", to: "sam", reason: "caseload rebalanced")

        let news = try await sam.sync().arrivals
        #expect(news.oversight.samples == ["LA-1 by priya"], "\(news)")
        #expect(news.amendments.samples == ["LA-1 by priya"])
        #expect(news.fromYourOtherDevices == 1, "the note from sam's other laptop")
        #expect(news.newCases.samples == ["LA-2"], "lee's case arrived whole")
        #expect(news.reallocations.samples.contains("LA-2 to sam"), "\(news.reallocations)")
        #expect(news.recordsByOthers.samples == ["note on LA-2 by lee"], "\(news.recordsByOthers)")
        #expect(news.conflicted.count == 0)

        // The supervisor edits sam's draft while sam does too: a conflict on a record sam wrote.
        try await priya.sync()
        _ = try priya.store.edit(draft, values: [("body", "priya's words")])
        _ = try sam.store.edit(draft, values: [("body", "sam's words")])
        try await priya.sync()
        let conflict = try await sam.sync().arrivals
        #expect(conflict.changesToYourRecords.count == 1, "\(conflict)")
        #expect(conflict.changesToYourRecords.samples.first?.hasSuffix("(edit by priya)") == true)
        #expect(conflict.conflicted.samples == [String(draft.prefix(13))])

        // Nothing new: nothing to say.
        #expect(try await sam.sync().arrivals.isEmpty)
    }

    @Test func aTallyCountsEveryOneAndShowsTheFirstFewOnce() {
        var first = SyncArrivals.Tally()
        for index in 0..<30 { first.add("LA-\(index % 12) by priya") }
        #expect(first.count == 30, "every entry counts, also a second one on the same case")
        #expect(first.samples.count == SyncArrivals.sampleLimit && first.samples.first == "LA-0 by priya")
        var second = SyncArrivals.Tally()
        second.add("LA-0 by priya")
        second.add("LA-99 by priya")
        first.merge(second)
        #expect(first.count == 32 && first.samples.count == SyncArrivals.sampleLimit)
        var a = SyncArrivals(), b = SyncArrivals()
        a.conflictedRecords = ["01a2-1", "01a2-2"]
        b.conflictedRecords = ["01a2-2", "01a2-3"]
        a.merge(b)
        #expect(a.conflicted.count == 3, "a record touched by two batches is in conflict once")
    }
}
