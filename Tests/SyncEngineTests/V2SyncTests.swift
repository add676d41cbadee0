@testable import Central
@testable import CentralSQLite
@testable import ClientSync
import Foundation
import GRDB
import Store
import SyncHTTPClient
@testable import SyncProtocol
import Testing

/// `/v2/sync` against a real central peer on 127.0.0.1 (SPEC.md §12): one round trip, no echoes, own changes
/// a device lacks brought back, v1 and v2 devices in one log, and prefetched batches.
@Suite struct V2SyncTests {
    /// A device whose every exchange is recorded.
    static func device(_ user: String, _ central: TestCentral, in folder: URL, version: SyncProtocolVersion = .v2,
                       pullBatch: Int = 1000) async throws -> (device: Device, transport: RecordingTransport) {
        let store = try CaseStore(path: folder.appendingPathComponent("\(user)-\(UUID().uuidString.prefix(6)).sqlite").path, author: user)
        let transport = RecordingTransport(inner: HTTPSyncTransport(baseURL: central.url))
        transport.store = store
        var client = SyncClient(store: store, transport: transport)
        client.protocolVersion = version
        client.pullBatch = pullBatch
        _ = try await client.enrol(serverURL: central.url, code: try await central.admin.newCode(for: user), deviceName: "\(user) laptop")
        return (Device(store: store, client: client), transport)
    }

    static func visit(_ store: CaseStore, _ caseID: String) throws -> String {
        try store.addVisit(caseID: caseID, values: [("date", "2026-11-19"), ("type", "statutory"), ("seen", "yes"), ("alone", "yes"),
                                                    ("bedroom", "yes"), ("location", "foster home"),
                                                    ("wishes", "Said he likes it here and wants to keep going to football on Saturdays.")])
    }

    static func count(_ store: CaseStore, _ sql: String) throws -> Int {
        try store.database.read { db in try Int.fetchOne(db, sql: sql) ?? 0 }
    }

    /// W4's workload: one new visit on an up-to-date device, pushed and pulled. Version 2 does it in one
    /// round trip and sends nothing back but the receipt; the figures are printed for docs/BENCHMARKS.md.
    @Test func oneNewVisitIsOneRoundTripAndNothingComesBack() async throws {
        let (central, folder) = try await TestCentral.withTeam(cases: ["LA-1": "sam"])
        defer { Task { await central.stop() } }
        var figures: [String] = []
        for version in [SyncProtocolVersion.v1, .v2] {
            let (sam, transport) = try await Self.device("sam", central, in: folder, version: version)
            try await sam.sync()
            let visit = try Self.visit(sam.store, "LA-1")
            transport.reset()
            let summary = try await sam.sync()
            #expect(summary.pushed == 1 && summary.pulled == 0)
            let exchanges = transport.exchanges
            let up = exchanges.map(\.sent).reduce(0, +)
            let down = exchanges.map(\.received).reduce(0, +)
            figures.append("v\(version.rawValue): \(exchanges.count) round trip(s), bodies up \(up) B, down \(down) B, \(up + down) B both ways")
            if version == .v2 {
                #expect(exchanges.map(\.path) == ["/v2/sync"])
                // The receipt says when the peer stored the visit, as v1's echo did.
                #expect(try Self.count(sam.store, """
                    SELECT count(*) FROM change_receipt WHERE status = 'accepted' AND received_at IS NOT NULL
                    AND device_id = '\(sam.store.deviceID)'
                    """) == 1)
                #expect(try sam.store.pendingCount() == 0)
                #expect(try central.replica.snapshot(visit).state.values["wishes"]?.contains("football") == true)
            } else {
                #expect(exchanges.map(\.path) == ["/v1/push", "/v1/pull"])
            }
        }
        print("one new visit, push + pull: " + figures.joined(separator: "; "))
    }

    /// Each commit waits for the disk, so a v2 sync of one new visit commits once on the device: the receipt,
    /// the (empty) batch with its cursor and the time of the sync together. When the pulled part of an answer
    /// cannot be kept, its receipts still are (V2HostileAnswerTests).
    @Test func oneNewVisitCommitsOnceOnTheDevice() async throws {
        let (central, folder) = try await TestCentral.withTeam(cases: ["LA-1": "sam"])
        defer { Task { await central.stop() } }
        let (sam, _) = try await Self.device("sam", central, in: folder)
        try await sam.sync()
        _ = try Self.visit(sam.store, "LA-1")
        let commits = CommitCounter()
        try await sam.store.database.write { db in db.add(transactionObserver: commits, extent: .observerLifetime) }
        let summary = try await sam.sync()
        #expect(summary.pushed == 1 && summary.pulled == 0)
        #expect(commits.count == 1)
        #expect(try sam.store.pendingCount() == 0)
        #expect(try sam.store.syncState().cursor > 0)
        #expect(try sam.store.syncState().lastSyncAt != nil)

    }

    /// A third party's client, built from SPEC.md §12 alone: tables, binary hashes, elided previous hashes and
    /// integer times written field by field. The peer admits the changes, a v1 device pulls them with the
    /// same hashes, and the pushing device gets none of them back.
    @Test func aRequestBuiltByHandFromTheSpecIsAdmittedAndSharedWithV1Devices() async throws {
        let (central, folder) = try await TestCentral.withTeam(cases: ["LA-1": "sam"])
        defer { Task { await central.stop() } }
        let (sam, transport) = try await Self.device("sam", central, in: folder)
        let (priya, _) = try await Self.device("priya", central, in: folder, version: .v1)
        let chain = HandChain(sam.store, clock: HandClock())
        let note = newRecordID()
        let first = chain.make(.create, .note, record: note, case: "LA-1", writes: [write("body", "by hand"), write("category", "general"),
                                                                                    write("status", "draft")])
        let second = chain.make(.edit, .note, record: note, case: "LA-1", writes: [write("body", "by hand, edited", supersedes: [first.id])])
        func bytes(_ hex: String) -> Data {
            Data(stride(from: 0, to: hex.count, by: 2).map { offset -> UInt8 in
                let start = hex.index(hex.startIndex, offsetBy: offset)
                return UInt8(hex[start ..< hex.index(start, offsetBy: 2)], radix: 16) ?? 0
            })
        }
        var request = Fieldbook_V2_SyncRequest()
        request.devices = [sam.store.deviceID]
        request.authors = ["sam"]
        for change in [first, second] {
            var message = Fieldbook_V2_Change()
            message.device = 0
            message.seq = UInt64(change.id.seq)
            message.hlc = change.hlc.rawValue
            message.recordedAtMs = try #require(WireTime.milliseconds(change.recordedAt))
            message.author = 0
            message.recordID = change.recordID
            message.recordType = "note"
            message.caseID = "LA-1"
            message.kind = change.kind.rawValue
            message.writes = change.writes.map { fieldWrite in
                var out = Fieldbook_V2_Write()
                out.field = fieldWrite.field
                if let value = fieldWrite.value { out.value = value }
                out.supersedes = fieldWrite.supersedes.map { id in
                    var ref = Fieldbook_V2_Ref()
                    ref.device = 0
                    ref.seq = UInt64(id.seq)
                    return ref
                }
                return out
            }
            // seq 1: the genesis hash; seq 2: the hash of seq 1, earlier in this message. Both left out.
            message.hash = bytes(change.hash)
            request.changes.append(message)
        }
        request.maxChanges = 100
        let token = try #require(try sam.store.syncState().token)
        let answer = try await transport.post(path: "/v2/sync", body: try MessageCodec.encode(request), token: token)
        #expect(answer.status == 200)
        let response = try MessageCodec.decode(Fieldbook_V2_SyncResponse.self, from: answer.body)
        #expect(response.results.map(\.status) == [.accepted, .accepted])
        #expect(response.results.allSatisfy { $0.receivedAtMs > 0 && !$0.hasReceivedAtText })
        // The case record came (sam held nothing), his own notes did not.
        #expect(response.changes.count == 1 && response.changes[0].recordType == "case")
        try await priya.sync()
        #expect(try priya.store.history(note).map(\.hash) == [first.hash, second.hash], "the v1 device holds the same changes")
        #expect(try central.replica.snapshot(note).state.values["body"] == "by hand, edited")
    }

    /// Hostile or broken v2 requests are refused whole, with the reason, before anything is stored.
    @Test func aMalformedRequestIsRefusedWholeAndStoresNothing() async throws {
        let (central, folder) = try await TestCentral.withTeam(cases: ["LA-1": "sam"])
        defer { Task { await central.stop() } }
        let (sam, transport) = try await Self.device("sam", central, in: folder)
        let chain = HandChain(sam.store, clock: HandClock())
        let good = chain.make(.create, .note, record: newRecordID(), case: "LA-1", writes: [write("body", "x"), write("status", "draft")])
        let later = chain.make(.create, .note, record: newRecordID(), case: "LA-1", writes: [write("body", "y"), write("status", "draft")])
        let token = try #require(try sam.store.syncState().token)
        func request(_ changes: [Change], _ mutate: (inout Fieldbook_V2_SyncRequest) -> Void) -> Fieldbook_V2_SyncRequest {
            var encoder = V2ChangeEncoder()
            var request = Fieldbook_V2_SyncRequest()
            request.changes = changes.map { encoder.encode($0) }
            request.devices = encoder.tables.devices
            request.authors = encoder.tables.authors
            mutate(&request)
            return request
        }
        let cases: [(String, Fieldbook_V2_SyncRequest, String, String)] = [
            ("device index", request([good, later]) { $0.changes[1].device = 5 }, "malformed_message", "names device 5"),
            ("author index", request([good]) { $0.changes[0].author = 1 }, "malformed_message", "names author 1"),
            ("short hash", request([good]) { $0.changes[0].hash = Data(repeating: 7, count: 31) }, "malformed_message", "exactly 32"),
            ("elided without its change", request([later]) { $0.changes[0].previousHash = Data() }, "malformed_message",
             "leaves out its previous hash"),
            ("bad range", request([good]) { var range = Fieldbook_V2_SeqRange(); range.first = 9; range.last = 2; $0.lacking = [range] },
             "malformed_message", "lacking range"),
            ("cursor", request([good]) { $0.cursor = UInt64(Int64.max) + 1 }, "malformed_message", "cursor"),
            ("table entry", request([good]) { $0.authors = [String(repeating: "a", count: 201)] }, "malformed_message", "author table"),
            ("too many ranges", request([]) { $0.lacking = Array(repeating: Fieldbook_V2_SeqRange(), count: ProtocolLimits.maximumLackingRanges + 1) },
             "too_large", "ranges of lacking changes"),
        ]
        for (name, message, code, words) in cases {
            let answer = try await transport.post(path: "/v2/sync", body: try MessageCodec.encode(message), token: token)
            let error = try MessageCodec.decode(Fieldbook_V1_ErrorResponse.self, from: answer.body)
            #expect(answer.status == (code == "too_large" ? 413 : 400), "\(name)")
            #expect(error.code == code && error.message.contains(words), "\(name): \(error.message)")
        }
        #expect(try Self.count(central.replica, "SELECT count(*) FROM change_log WHERE record_type = 'note'") == 0, "nothing stored")
        let noToken = try await transport.post(path: "/v2/sync", body: try MessageCodec.encode(request([good]) { _ in }), token: nil)
        #expect(noToken.status == 401)
    }

    /// The case the earlier attempt lost (docs/BENCHMARKS.md, W4): a device's own changes on a case it purged
    /// come back when the case is allocated back, even when the case arrives over several batches and counts
    /// as held after the first.
    @Test func ownChangesOfAPurgedCaseComeBackWhenItArrivesOverSeveralBatches() async throws {
        let (central, folder) = try await TestCentral.withTeam(cases: ["LA-1": "sam", "LA-2": "sam"])
        defer { Task { await central.stop() } }
        let (sam, _) = try await Self.device("sam", central, in: folder, pullBatch: 2)
        try await sam.sync()
        var mine: [String] = []
        for index in 0..<5 { mine.append(try sam.store.addNote(caseID: "LA-1", body: "sam's note \(index)")) }
        _ = try Self.visit(sam.store, "LA-2")
        try await sam.sync()
        try await central.admin.assign(caseID: "LA-1", to: "lee", reason: "cover")
        let lee = try await central.device("lee", in: folder)
        try await lee.sync()
        _ = try lee.store.addNote(caseID: "LA-1", body: "lee's note")
        try await lee.sync()
        #expect(try await sam.sync().purgedCases == ["LA-1"])
        #expect(try sam.store.ownChangesLacking().count == 5)
        try await central.admin.assign(caseID: "LA-1", to: "sam", reason: "back")
        try await sam.sync()
        #expect(try sam.store.ownChangesLacking().isEmpty)
        for note in mine { #expect(try sam.store.snapshot(note).state.values["body"]?.hasPrefix("sam's note") == true) }
        #expect(try Self.count(sam.store, "SELECT count(*) FROM change_log WHERE case_id = 'LA-1'")
                == Self.count(central.replica, "SELECT count(*) FROM change_log WHERE case_id = 'LA-1'"))
        #expect(try sam.store.verify().isIntact)
    }

    /// A device's own change the peer quarantined is not echo: when an administrator releases it, the next v2
    /// pull brings it back (the device names it as lacking), and the device shows it accepted.
    @Test func aReleasedChangeReachesItsOwnDevice() async throws {
        let (central, folder) = try await TestCentral.withTeam(cases: ["LA-1": "sam"])
        defer { Task { await central.stop() } }
        let (sam, _) = try await Self.device("sam", central, in: folder)
        try await sam.sync()
        let note = try sam.store.addNote(caseID: "LA-1", body: "v0")
        try await sam.sync()
        try await central.admin.assign(caseID: "LA-1", to: "lee", reason: "cover")
        try await Task.sleep(for: .milliseconds(5))
        _ = try sam.store.edit(note, values: [("body", "v1 written while the case was lee's")])
        // Version 1 with its pull cut: the edit is quarantined and the case stays on the laptop.
        var pushOnly = SyncClient(store: sam.store, transport: CutPulls(inner: HTTPSyncTransport(baseURL: central.url)))
        pushOnly.protocolVersion = .v1
        await #expect(throws: SyncError.self) { try await pushOnly.sync() }
        #expect(try sam.store.rejectedCount() == 1)
        #expect(try sam.store.ownChangesLacking().count == 1)
        let entry = try #require(try await central.admin.storage.quarantine(state: .held).first)
        try await central.admin.release(entry.id)
        try await central.admin.assign(caseID: "LA-1", to: "sam", reason: "back")
        try await sam.sync()
        #expect(try sam.store.rejectedCount() == 0, "released: the device shows it accepted")
        #expect(try sam.store.ownChangesLacking().isEmpty)
        #expect(try sam.store.snapshot(note).state == central.replica.snapshot(note).state)
    }

    /// Prefetch: with nothing to push, the next pull leaves before the current batch is applied, and every
    /// batch is still committed with its cursor. (A first sync arrives by segment, SegmentArrivalTests; the
    /// walk from the cursor comes after, as here.)
    @Test func batchesArePrefetchedAndEachIsCommittedWithItsCursor() async throws {
        let (central, folder) = try await TestCentral.withTeam(cases: ["LA-1": "lee", "LA-2": "lee", "LA-3": "kim"])
        defer { Task { await central.stop() } }
        let lee = try await central.device("lee", in: folder)
        try await lee.sync()
        let (priya, transport) = try await Self.device("priya", central, in: folder, pullBatch: 3)
        #expect(try await priya.sync().pulled == 2)
        for index in 0..<12 { _ = try lee.store.addNote(caseID: index % 2 == 0 ? "LA-1" : "LA-2", body: "note \(index)") }
        try await lee.sync()
        transport.reset()
        let summary = try await priya.sync()
        #expect(summary.pulled == 12)
        let exchanges = transport.exchanges.filter { $0.path == "/v2/sync" }
        #expect(exchanges.count == 4, "12 changes in batches of 3: four requests, none sent twice \(exchanges.map { ($0.cursorAtSend, $0.nextCursor ?? 0) })")
        // A prefetched request left while the store still held the cursor before the batch it followed. When
        // the task carrying it starts is up to the scheduler, so not every one need have overtaken its batch.
        let prefetched = zip(exchanges, exchanges.dropFirst()).filter { previous, next in
            next.cursorAtSend < (previous.nextCursor ?? 0)
        }
        #expect(prefetched.count >= 1, "\(exchanges.map { ($0.cursorAtSend, $0.nextCursor ?? 0) })")
        #expect(try priya.store.syncState().cursor == exchanges.last?.nextCursor)
        #expect(try Set(priya.store.heldCases()) == ["LA-1", "LA-2"])
        #expect(try Self.count(priya.store, "SELECT count(*) FROM change_log") == 14)
    }

    /// A peer older than version 2 answers `/v2/` with a bare 404 (its HTTP layer, SPEC.md §11 K7): the
    /// client enrols and syncs with version 1 instead.
    @Test func aPeerThatServesOnlyVersion1IsSyncedWithVersion1() async throws {
        let (central, folder) = try await TestCentral.withTeam(cases: ["LA-1": "sam"])
        defer { Task { await central.stop() } }
        let store = try CaseStore(path: folder.appendingPathComponent("sam-old-peer.sqlite").path, author: "sam")
        let transport = RecordingTransport(inner: OnlyVersion1(inner: HTTPSyncTransport(baseURL: central.url)))
        let client = SyncClient(store: store, transport: transport)
        _ = try await client.enrol(serverURL: central.url, code: try await central.admin.newCode(for: "sam"), deviceName: "laptop")
        #expect(try await client.sync().pulled == 1)
        _ = try store.addNote(caseID: "LA-1", body: "before the peer was upgraded")
        #expect(try await client.sync().pushed == 1)
        #expect(transport.exchanges.map(\.path) == ["/v2/enrol", "/v1/enrol", "/v2/sync", "/v1/pull", "/v2/sync", "/v1/push", "/v1/pull"])
        #expect(try store.pendingCount() == 0)
    }

    /// What a prefetched request states: the store as applying the batch will leave it (an own change
    /// no longer lacking, a revoked case no longer held, an arriving case record held once its case is
    /// whole, not while it is still arriving by segment).
    @Test func thePredictionFollowsWhatApplyingTheBatchDoes() throws {
        let state = PullState(cursor: 5, held: ["LA-1"], lacking: SeqRanges([3, 4]), rulesVersion: 0, rulesDigest: "",
                              arrival: ArrivalProgress())
        let clock = HandClock()
        let mine = HandChain(deviceID: "me", author: "sam", clock: clock)
        let other = HandChain(deviceID: "them", author: "lee", clock: clock)
        _ = mine.make(.create, .note, record: newRecordID(), case: "LA-1", writes: [])
        _ = mine.make(.create, .note, record: newRecordID(), case: "LA-1", writes: [])
        let own = mine.make(.create, .note, record: newRecordID(), case: "LA-1", writes: [])
        let arriving = other.make(.create, .case, record: "LA-2", case: "LA-2", writes: [])
        let next = state.after([own, arriving], revoked: ["LA-1"], rules: nil, cursor: 9, arrival: ArrivalProgress(),
                               caseRecords: ["LA-1"], stale: [], deviceID: "me")
        #expect(next.held == ["LA-2"], "LA-1 revoked, LA-2's case record arrived")
        #expect(next.lacking == SeqRanges([4]))
        #expect(next.cursor == 9)
        #expect(next != state)
        let partway = ArrivalProgress().after(received: [("LA-2", 7)], arrived: [], horizon: 8)
        let arrivingStill = state.after([own, arriving], revoked: ["LA-1"], rules: nil, cursor: 5, arrival: partway,
                                        caseRecords: ["LA-1"], stale: [], deviceID: "me")
        #expect(arrivingStill.held == [], "LA-2 is still arriving: not held until whole")
        #expect(arrivingStill.arrival == ArrivalProgress(horizon: 8, through: ["LA-2": 7]))
        #expect(partway.after(received: [], arrived: ["LA-2"], horizon: 0) == ArrivalProgress())
    }
}

/// The HTTP layer of a peer that serves only version 1: a bare 404 for every `/v2/` path.
private struct OnlyVersion1: SyncTransport {
    let inner: any SyncTransport

    func post(path: String, body: [UInt8], token: String?) async throws -> (status: Int, body: [UInt8]) {
        if path.hasPrefix("/v2/") { return (404, []) }
        return try await inner.post(path: path, body: body, token: token)
    }
}

/// Cuts every version 1 pull, so that a push lands and the pull after it does not.
private struct CutPulls: SyncTransport {
    let inner: any SyncTransport
    struct Cut: Error {}

    func post(path: String, body: [UInt8], token: String?) async throws -> (status: Int, body: [UInt8]) {
        if path == "/v1/pull" { throw Cut() }
        return try await inner.post(path: path, body: body, token: token)
    }
}

/// Counts the commits of a database that changed something (a commit that wrote nothing waits for no disk).
private final class CommitCounter: TransactionObserver, @unchecked Sendable {
    private let lock = NSLock()
    private var commits = 0
    private var changed = false
    var count: Int { lock.withLock { commits } }
    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { true }
    func databaseDidChange(with event: DatabaseEvent) { lock.withLock { changed = true } }
    func databaseDidCommit(_ db: Database) {
        lock.withLock {
            if changed { commits += 1 }
            changed = false
        }
    }
    func databaseDidRollback(_ db: Database) { lock.withLock { changed = false } }
}
