import Central
import CentralSQLite
import ClientSync
import Foundation
import GRDB
import Store
import SyncHTTPClient
import SyncProtocol
import Testing

/// Devices whose clocks are two days fast and two days slow, through a real central peer: the order of
/// changes follows what each writer had seen (HLC), every change from a wrong clock is flagged with how
/// wrong it was, and each device is told.
@Suite(.serialized) struct ClockSkewTests {
    static let twoDays: TimeInterval = 2 * 24 * 3600

    private func device(_ user: String, offset: TimeInterval, central: TestCentral, folder: URL) async throws -> Device {
        let store = try CaseStore(path: folder.appendingPathComponent("\(user).sqlite").path, author: user,
                                  clock: { Date().addingTimeInterval(offset) })
        let device = Device(store: store, client: SyncClient(store: store, transport: HTTPSyncTransport(baseURL: central.url)))
        _ = try await device.client.enrol(serverURL: central.url, code: try await central.admin.newCode(for: user), deviceName: "\(user) laptop")
        return device
    }

    private func isAbout(_ milliseconds: Int64?, _ seconds: TimeInterval) -> Bool {
        guard let milliseconds else { return false }
        return abs(Double(milliseconds) / 1000 - seconds) < 60
    }

    @Test func orderingFollowsCausalityAndSkewIsFlaggedOnTheRecords() async throws {
        let (central, folder) = try await TestCentral.withTeam(cases: ["LA-1": "sam"])
        defer { Task { await central.stop() } }
        let sam = try await device("sam", offset: Self.twoDays, central: central, folder: folder)        // fast
        let priya = try await device("priya", offset: -Self.twoDays, central: central, folder: folder)   // slow
        try await sam.sync()
        try await priya.sync()

        let note = try sam.store.addNote(caseID: "LA-1", body: "written on a laptop two days fast")
        let samSummary = try await sam.sync()
        #expect(isAbout(samSummary.clockSkew, Self.twoDays), "sam is told his clock is fast")
        let priyaSummary = try await priya.sync()
        #expect(isAbout(priyaSummary.clockSkew, -Self.twoDays), "priya is told her clock is slow")

        // Priya has seen sam's note: her oversight comes after it, though her clock is four days behind his.
        let oversight = try priya.store.addOversight(caseID: "LA-1", body: "discussed the note with sam")
        try await priya.sync()
        try await sam.sync()
        let edited = try sam.store.edit(note, values: [("body", "written on a laptop two days fast; corrected after supervision")])
        #expect(edited == .changed(fields: ["body"]))
        try await sam.sync()
        try await priya.sync()

        let noteHistory = try priya.store.history(note)
        let oversightChange = try #require(try priya.store.history(oversight).first)
        #expect(noteHistory.count == 2)
        let (created, edit) = (noteHistory[0], noteHistory[1])
        #expect(created.hlc < oversightChange.hlc, "the oversight follows the note it answers")
        #expect(oversightChange.hlc < edit.hlc, "sam's correction follows the oversight he had seen")

        // Every replica flags the changes from the wrong clocks, and says how wrong they were.
        for store in [sam.store, priya.store] {
            let noteSkews = try store.clockSkews(of: note)
            #expect(noteSkews.count == 2)
            #expect(noteSkews.allSatisfy { isAbout($0.milliseconds, Self.twoDays) && $0.author == "sam" })
            #expect(noteSkews.first?.description == "2 d ahead")
            let oversightSkews = try store.clockSkews(of: oversight)
            #expect(oversightSkews.count == 1)
            #expect(oversightSkews.allSatisfy { isAbout($0.milliseconds, -Self.twoDays) })
            let rows = try await store.database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM clock_skews") }
            #expect(rows == 3, "the clock_skews view lists them for ad-hoc queries")
        }
        let flagged = try await central.replica.database.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM central_log WHERE clock_skew_ms IS NOT NULL")
        }
        #expect(flagged == 3)
    }

    @Test func aClockWithinToleranceIsNotFlagged() async throws {
        let central = try await TestCentral.start()
        defer { Task { await central.stop() } }
        try await central.seedTeam()
        try await central.addCase("LA-2", worker: "sam")
        let sam = try await device("sam", offset: 120, central: central, folder: try temporaryFolder())
        try await sam.sync()
        let note = try sam.store.addNote(caseID: "LA-2", body: "two minutes fast is fine")
        let summary = try await sam.sync()
        #expect(summary.clockSkew == nil)
        #expect(try sam.store.clockSkews(of: note).isEmpty)
        #expect(ClockSkew.words(-(3 * 3600 + 5 * 60) * 1000) == "3 h 5 min behind")
    }

    /// Found in review: a device time of Int64.min made the peer's subtraction trap (a crash from one push).
    @Test func absurdClockValuesFromTheNetworkAreFlaggedNotFatal() async throws {
        let central = try await TestCentral.start()
        defer { Task { await central.stop() } }
        try await central.seedTeam()
        try await central.addCase("LA-3", worker: "sam")
        let sam = try await device("sam", offset: 0, central: central, folder: try temporaryFolder())
        try await sam.sync()
        let token = try #require(try sam.store.syncState().token)
        for (seq, deviceTime) in [(Int64(1), Int64.min), (2, Int64.max)] {
            _ = try sam.store.addNote(caseID: "LA-3", body: "note \(seq)")
            let pending = try sam.store.pendingChanges(limit: 1)
            var request = Fieldbook_V1_PushRequest()
            request.changes = pending.map { Fieldbook_V1_Change($0) }
            request.deviceTimeMs = deviceTime
            let answer = try await sam.client.transport.post(path: "/v1/push", body: try MessageCodec.encode(request), token: token)
            #expect(answer.status == 200, "the peer answers, whatever the clock says")
            let results = try MessageCodec.decode(Fieldbook_V1_PushResponse.self, from: answer.body).results
            #expect(results.map(\.status) == [.accepted])
            try await sam.sync()  // records the receipt
        }
        let skews = try await central.replica.database.read { db in
            try Int64.fetchAll(db, sql: "SELECT clock_skew_ms FROM central_log WHERE clock_skew_ms IS NOT NULL ORDER BY cursor")
        }
        #expect(skews.first == Int64.min, "flagged, saturated where the difference overflows")
        #expect(skews.count == 2 && skews[1] > 1 << 62, "flagged far ahead")
        #expect(ClockSkew.difference(.min, 1) == .min)
        #expect(ClockSkew.difference(.max, -1) == .max)
        #expect(ClockSkew.words(.min).hasSuffix("behind"))
        #expect(ClockSkew.exceeds(.min, ProtocolLimits.clockSkewTolerance))
    }
}
