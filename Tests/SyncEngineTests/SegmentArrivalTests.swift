@testable import Central
@testable import CentralSQLite
@testable import ClientSync
import Foundation
import GRDB
import Store
import SyncHTTPClient
@testable import SyncProtocol
import Testing

/// Cases a device does not hold arrive by segment (SPEC.md §12.6), against a real central peer on
/// 127.0.0.1: sealed segments stored once and sent as the same bytes to every device, the cursor never
/// rewound, an arrival stopped part way resumed from what the store holds, and nothing lost or doubled.
@Suite struct SegmentArrivalTests {
    static func count(_ store: CaseStore, _ sql: String, _ arguments: StatementArguments = []) throws -> Int {
        try store.database.read { db in try Int.fetchOne(db, sql: sql, arguments: arguments) ?? 0 }
    }

    /// `notes` notes on `caseID`, recorded and pushed by `device` (which syncs first to hold the case).
    static func write(_ notes: Int, on caseID: String, by device: Device) async throws {
        try await device.sync()
        for index in 0..<notes { _ = try device.store.addNote(caseID: caseID, body: "note \(index) on \(caseID)") }
        try await device.sync()
    }

    /// The ids of the changes of `cases` a store holds, for comparing a device with the peer.
    static func changeIDs(_ store: CaseStore, of cases: [String]) throws -> [String] {
        try store.database.read { db in
            try String.fetchAll(db, sql: """
                SELECT device_id || ':' || seq FROM change_log WHERE case_id IN (SELECT value FROM json_each(?)) ORDER BY 1
                """, arguments: [String(decoding: try JSONEncoder().encode(cases), as: UTF8.self)])
        }
    }

    /// Priya's new laptop, whose first sync (300 changes an answer) is cut off after its first answer.
    static func priyaCutAfterOneAnswer(_ central: TestCentral, in folder: URL) async throws -> CaseStore {
        let store = try CaseStore(path: folder.appendingPathComponent("priya.sqlite").path, author: "priya")
        let cut = StopAfterAnswers(inner: HTTPSyncTransport(baseURL: central.url), answers: 1)
        var client = SyncClient(store: store, transport: cut)
        client.pullBatch = 300
        _ = try await client.enrol(serverURL: central.url, code: try await central.admin.newCode(for: "priya"), deviceName: "laptop")
        await #expect(throws: (any Error).self) { try await client.sync() }
        return store
    }

    @Test func aFirstSyncArrivesBySegmentsStoredOnceAndSentAsTheSameBytesToEveryDevice() async throws {
        let (central, folder) = try await TestCentral.withTeam(cases: ["LA-1": "lee", "LA-2": "sam"])
        defer { Task { await central.stop() } }
        let lee = try await central.device("lee", in: folder)
        try await Self.write(300, on: "LA-1", by: lee)
        let sam = try await central.device("sam", in: folder)
        try await Self.write(3, on: "LA-2", by: sam)

        let (priya, transport) = try await V2SyncTests.device("priya", central, in: folder)
        let summary = try await priya.sync()
        #expect(summary.pulled == 305, "two case records and 303 notes")
        let first = transport.exchanges.filter { $0.path == "/v2/sync" }
        #expect(first.count == 1, "everything fits one answer")
        // LA-1's 301 changes: as many whole segments as fit are sealed and stored; the rest of LA-1, and
        // LA-2's 4, go in open segments.
        let seal = ProtocolLimits.segmentSealChanges
        #expect(first.first?.segments.count == 301 / seal + 2)
        let stored = try central.replica.database.read { db in try Row.fetchAll(db, sql: "SELECT * FROM central_segment") }
        #expect(Set(stored.map { $0["case_id"] as String }) == ["LA-1"])
        #expect(stored.map { $0["changes"] as Int } == Array(repeating: seal, count: 301 / seal))
        let top = UInt64(try Self.count(central.replica, "SELECT max(cursor) FROM central_log"))
        #expect(try priya.store.syncState().cursor == top, "a device holding nothing moves to the horizon")
        #expect(try Set(priya.store.heldCases()) == ["LA-1", "LA-2"])
        #expect(try priya.store.arrivalProgress() == ArrivalProgress())
        #expect(try Self.changeIDs(priya.store, of: ["LA-1", "LA-2"]) == Self.changeIDs(central.replica, of: ["LA-1", "LA-2"]))
        #expect(try priya.store.verify().isIntact)

        // A second device gets the stored segment's very bytes: it was compressed once.
        let (again, secondTransport) = try await V2SyncTests.device("priya", central, in: folder)
        #expect(try await again.sync().pulled == 305)
        let sent = secondTransport.exchanges.flatMap(\.segments)
        #expect(stored.allSatisfy { sent.contains(Array($0["frame"] as Data)) })
        #expect(try Self.count(central.replica, "SELECT count(*) FROM central_segment") == 301 / seal)
        // Nothing comes twice on the next sync.
        #expect(try await priya.sync().pulled == 0)
    }

    @Test func aNewlyAllocatedCaseArrivesBySegmentWithoutRewindingTheCursor() async throws {
        let (central, folder) = try await TestCentral.withTeam(cases: ["LA-1": "sam", "LA-2": "lee"])
        defer { Task { await central.stop() } }
        let lee = try await central.device("lee", in: folder)
        try await Self.write(270, on: "LA-2", by: lee)
        let (sam, transport) = try await V2SyncTests.device("sam", central, in: folder)
        try await sam.sync()
        _ = try sam.store.addNote(caseID: "LA-1", body: "sam's own note")
        try await sam.sync()
        let cursor = try sam.store.syncState().cursor
        #expect(cursor > 270, "sam's cursor is past all of LA-2's changes")

        try await central.admin.assign(caseID: "LA-2", to: "sam", reason: "lee is on leave")
        transport.reset()
        let summary = try await sam.sync()
        #expect(summary.pulled == 272, "LA-2's case record, 270 notes and the reallocation")
        let exchanges = transport.exchanges.filter { $0.path == "/v2/sync" }
        #expect(exchanges.allSatisfy { $0.cursorAtSend >= cursor }, "the cursor was never rewound: \(exchanges.map(\.cursorAtSend))")
        #expect(exchanges.first?.segments.isEmpty == false)
        #expect(try Set(sam.store.heldCases()) == ["LA-1", "LA-2"])
        #expect(try Self.changeIDs(sam.store, of: ["LA-2"]) == Self.changeIDs(central.replica, of: ["LA-2"]))
        #expect(try sam.store.verify().isIntact)
    }

    @Test func anArrivalStoppedPartWayResumesFromWhatTheStoreHolds() async throws {
        let (central, folder) = try await TestCentral.withTeam(cases: ["LA-1": "lee", "LA-2": "lee", "LA-3": "sam"])
        defer { Task { await central.stop() } }
        let lee = try await central.device("lee", in: folder)
        try await Self.write(600, on: "LA-1", by: lee)
        try await Self.write(10, on: "LA-2", by: lee)
        let store = try await Self.priyaCutAfterOneAnswer(central, in: folder)
        // One answer kept: LA-1's first sealed segments, as many as 300 changes hold. LA-1 is arriving, not
        // held, so the rest still comes.
        let kept = 300 / ProtocolLimits.segmentSealChanges * ProtocolLimits.segmentSealChanges
        let progress = try store.arrivalProgress()
        #expect(progress.horizon > 0)
        #expect(progress.through.keys.sorted() == ["LA-1"])
        #expect(try store.heldCases().isEmpty)
        #expect(try Self.count(store, "SELECT count(*) FROM change_log") == kept)

        var resumed = SyncClient(store: store, transport: HTTPSyncTransport(baseURL: central.url))
        resumed.pullBatch = 300
        let summary = try await resumed.sync()
        let expected = 601 + 11 + 1 - kept
        #expect(summary.pulled == expected, "LA-1's, LA-2's and LA-3's changes, less the segment kept")
        #expect(try Set(store.heldCases()) == ["LA-1", "LA-2", "LA-3"])
        #expect(try store.arrivalProgress() == ArrivalProgress())
        let cases = ["LA-1", "LA-2", "LA-3"]
        #expect(try Self.changeIDs(store, of: cases) == Self.changeIDs(central.replica, of: cases))
        #expect(try store.verify().isIntact)
    }

    @Test func aCaseRevokedWhileArrivingLeavesTheDevice() async throws {
        let (central, folder) = try await TestCentral.withTeam(cases: ["LA-1": "sam", "LA-2": "lee"])
        defer { Task { await central.stop() } }
        let sam = try await central.device("sam", in: folder)
        try await Self.write(600, on: "LA-1", by: sam)
        let store = try await Self.priyaCutAfterOneAnswer(central, in: folder)
        #expect(try store.arrivalProgress().through.keys.sorted() == ["LA-1"])

        // LA-1 leaves the team: part of it is on priya's laptop, and it must go.
        _ = try await central.admin.addUser("zoe", role: .worker, team: "south")
        try await central.admin.assign(caseID: "LA-1", to: "zoe", reason: "moved to south")
        var resumed = SyncClient(store: store, transport: HTTPSyncTransport(baseURL: central.url))
        resumed.pullBatch = 300
        _ = try await resumed.sync()
        #expect(try Self.count(store, "SELECT count(*) FROM change_log WHERE case_id = 'LA-1'") == 0)
        #expect(try Self.count(store, "SELECT count(*) FROM record WHERE case_id = 'LA-1'") == 0)
        #expect(try store.heldCases() == ["LA-2"])
        #expect(try store.arrivalProgress() == ArrivalProgress())
    }

    /// A sealed segment deleted from the peer's database (by hand: OPERATIONS.md says it loses nothing)
    /// leaves a gap; the peer sees it, builds the case's segments again, and skips nothing.
    @Test func aSegmentDeletedByHandIsBuiltAgainAndNothingIsSkipped() async throws {
        let (central, folder) = try await TestCentral.withTeam(cases: ["LA-1": "lee"])
        defer { Task { await central.stop() } }
        let lee = try await central.device("lee", in: folder)
        try await Self.write(600, on: "LA-1", by: lee)
        let (first, _) = try await V2SyncTests.device("priya", central, in: folder)
        try await first.sync()
        let sealed = 601 / ProtocolLimits.segmentSealChanges
        #expect(try Self.count(central.replica, "SELECT count(*) FROM central_segment") == sealed)
        try await central.replica.database.write { db in
            try db.execute(sql: "DELETE FROM central_segment WHERE first_cursor = (SELECT min(first_cursor) FROM central_segment)")
        }
        let (second, _) = try await V2SyncTests.device("priya", central, in: folder)
        #expect(try await second.sync().pulled == 601)
        #expect(try Self.changeIDs(second.store, of: ["LA-1"]) == Self.changeIDs(central.replica, of: ["LA-1"]))
        #expect(try Self.count(central.replica, "SELECT count(*) FROM central_segment") == sealed, "built again")
        #expect(try second.store.verify().isIntact)
    }

    /// Requests built from SPEC.md §12.6 alone: a horizon or a progress past the log's top is refused, and
    /// nothing is sealed for it.
    @Test func aHorizonOrProgressBeyondTheLogIsRefused() async throws {
        let (central, folder) = try await TestCentral.withTeam(cases: ["LA-1": "sam"])
        defer { Task { await central.stop() } }
        let sam = try await central.device("sam", in: folder)
        let token = try #require(try sam.store.syncState().token)
        for (horizon, through) in [(UInt64(1_000_000), UInt64(0)), (0, 1_000_000), (UInt64(Int64.max) + 1, 0)] {
            var request = Fieldbook_V2_SyncRequest()
            request.acceptsSegments = true
            request.maxChanges = 100
            request.arrivalHorizon = horizon
            if through > 0 {
                var progress = Fieldbook_V2_CaseProgress()
                progress.caseID = "LA-1"
                progress.through = through
                request.arriving = [progress]
            }
            let answer = try await HTTPSyncTransport(baseURL: central.url).post(path: "/v2/sync", body: try MessageCodec.encode(request), token: token)
            #expect(answer.status == 400, "horizon \(horizon), through \(through)")
        }
        #expect(try Self.count(central.replica, "SELECT count(*) FROM central_segment") == 0)
    }
}

/// Passes `answers` `/v2/sync` answers through, then fails every request as a dropped connection would.
final class StopAfterAnswers: SyncTransport, @unchecked Sendable {
    let inner: any SyncTransport
    private let lock = NSLock()
    private var left: Int

    init(inner: any SyncTransport, answers: Int) {
        self.inner = inner
        left = answers
    }

    func post(path: String, body: [UInt8], token: String?) async throws -> (status: Int, body: [UInt8]) {
        if path == "/v2/sync" {
            let allowed = lock.withLock { () -> Bool in
                left -= 1
                return left >= 0
            }
            guard allowed else { throw URLError(.networkConnectionLost) }
        }
        return try await inner.post(path: path, body: body, token: token)
    }
}
