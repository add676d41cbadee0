import Central
import CentralSQLite
import ClientSync
import Foundation
import GRDB
import Store
import SyncHTTPClient
import SyncProtocol
import Testing

/// Every number that arrives from the network fits where it goes, or is refused with a clear error: none can
/// trap a conversion and stop a peer or a device (issue 11, items 8 and 15).
@Suite(.serialized) struct NetworkNumbersTests {
    /// Found in review: one pull with a cursor of 2^63 or more, from any enrolled device, trapped the peer's
    /// conversion to SQLite's integer and stopped it for everyone.
    @Test func aPullCursorBeyondTheCentralLogIsRefusedAndThePeerKeepsServing() async throws {
        let central = try await TestCentral.start()
        defer { Task { await central.stop() } }
        try await central.seedTeam()
        try await central.addCase("LA-1", worker: "sam")
        let sam = try await central.device("sam", in: try temporaryFolder())
        try await sam.sync()
        let token = try #require(try sam.store.syncState().token)
        let transport = HTTPSyncTransport(baseURL: central.url)

        var request = Fieldbook_V1_PullRequest()
        request.heldCases = try sam.store.heldCases()
        for cursor in [UInt64(1) << 63, .max] {
            request.cursor = cursor
            let answer = try await transport.post(path: "/v1/pull", body: try MessageCodec.encode(request), token: token)
            #expect(answer.status == 400, "cursor \(cursor)")
            #expect(errorCode(answer.body) == "malformed_message")
        }
        request.cursor = UInt64(Int64.max)
        let highest = try await transport.post(path: "/v1/pull", body: try MessageCodec.encode(request), token: token)
        #expect(highest.status == 200, "the highest cursor there can be is a valid question with an empty answer")
        let page = try MessageCodec.decode(Fieldbook_V1_PullResponse.self, from: highest.body)
        #expect(page.changes.isEmpty && page.nextCursor == UInt64(Int64.max))

        #expect(try await transport.health().contains("\"status\":\"ok\""))
        #expect(try await sam.sync().line == "pushed 0, pulled 0, conflicts 0, rejected 0")
    }

    /// A device enrolled with the hostile peer, with two changes waiting to be pushed (a case and a note).
    private func deviceWithANote(_ peer: HostilePeer) async throws -> Device {
        let store = try CaseStore(path: try temporaryFolder().appendingPathComponent("sam.sqlite").path, author: "sam")
        var client = SyncClient(store: store, transport: HTTPSyncTransport(baseURL: peer.url))
        // The hostile peer answers version 1's paths (V2HostileAnswerTests covers version 2's answers).
        client.protocolVersion = .v1
        let device = Device(store: store, client: client)
        // Recorded before enrolment: an enrolled worker's store adds no case (ChangePolicy), as the peer would not.
        try store.addCase(id: "LA-1", values: [("child", "A Child"), ("dob", "2015-01-01"), ("category", "CP")])
        _ = try store.addNote(caseID: "LA-1", body: "pending")
        _ = try await device.client.enrol(serverURL: peer.url, code: "ANY-CODE", deviceName: "laptop")
        return device
    }

    /// An answer to every push that reports each change quarantined under `quarantineID`.
    private static func pushAnswer(_ body: [UInt8], quarantineID: UInt64) -> (status: Int, body: [UInt8]) {
        guard let request = try? MessageCodec.decode(Fieldbook_V1_PushRequest.self, from: body) else { return (400, []) }
        var response = Fieldbook_V1_PushResponse()
        response.results = request.changes.map { change in
            var result = Fieldbook_V1_PushResult()
            result.id = change.id
            result.status = .quarantined
            result.reason = "hostile"
            result.quarantineID = quarantineID
            return result
        }
        return (200, (try? MessageCodec.encode(response)) ?? [])
    }

    private static func enrolAnswer() -> (status: Int, body: [UInt8]) {
        var response = Fieldbook_V1_EnrolResponse()
        response.token = String(repeating: "a", count: 64)
        response.user = "sam"
        response.role = "worker"
        return (200, (try? MessageCodec.encode(response)) ?? [])
    }

    /// Found in review: a quarantine id of 2^64 − 1 in a push answer trapped the device's conversion, at
    /// every sync, so one hostile or broken peer stopped a device for good.
    @Test func aQuarantineIDBeyondTheRangeIsABadAnswerNotACrash() async throws {
        let peer = try await HostilePeer.start { path, body in
            switch path {
            case "/v1/enrol": return Self.enrolAnswer()
            case "/v1/push": return Self.pushAnswer(body, quarantineID: .max)
            default: return (404, [])
            }
        }
        defer { Task { await peer.stop() } }
        let device = try await deviceWithANote(peer)
        await #expect(throws: SyncError.badAnswer("the push answer gives quarantine id \(UInt64.max), beyond 2^63 − 1")) {
            try await device.sync()
        }
        #expect(try device.store.pendingCount() == 2, "nothing of the answer was recorded; the case and note are still pending")
    }

    /// The largest values every other number from the peer can take: each fits where the device keeps it.
    @Test func extremeNumbersInAnswersAreKeptOrSaturatedNeverTrapped() async throws {
        let sentCursors = CursorLog()
        let remote = Change(id: ChangeID(deviceID: "peer-device", seq: 1), hlc: .maximum, recordedAt: "2026-11-20T12:00:00.000Z",
                            author: "priya", recordID: "remote-note", recordType: .note, caseID: "LA-1", kind: .create,
                            writes: [FieldWrite(field: "body", value: "from a peer at the end of time", supersedes: []),
                                     FieldWrite(field: "status", value: "draft", supersedes: [])],
                            sealed: [], previousHash: Change.genesisHash)
        let peer = try await HostilePeer.start { path, body in
            switch path {
            case "/v1/enrol": return Self.enrolAnswer()
            case "/v1/push": return Self.pushAnswer(body, quarantineID: UInt64(Int64.max))
            case "/v1/pull":
                if let request = try? MessageCodec.decode(Fieldbook_V1_PullRequest.self, from: body) { sentCursors.append(request.cursor) }
                var response = Fieldbook_V1_PullResponse()
                var change = Fieldbook_V1_Change(remote, receivedAt: "2026-11-20T12:00:01.000Z")
                change.clockSkewMs = .min
                response.changes = [change]
                response.nextCursor = .max
                response.serverTimeMs = .min
                var rules = Fieldbook_V1_Rules()
                rules.version = .max
                response.rules = rules
                return (200, (try? MessageCodec.encode(response)) ?? [])
            default: return (404, [])
            }
        }
        defer { Task { await peer.stop() } }
        let device = try await deviceWithANote(peer)
        let summary = try await device.sync()
        #expect(summary.rejected == 2)
        #expect(try device.store.rejectedChanges().first?.quarantineID == Int64.max)
        #expect(summary.clockSkew == .max, "device clock minus Int64.min saturates")
        #expect(summary.rulesVersion == .max)
        #expect(try device.store.councilRules().version == .max, "kept and read back")
        #expect(try device.store.syncState().cursor == .max)
        #expect(try device.store.clockSkews(of: "remote-note").first?.description.hasSuffix("behind") == true)

        // The device's own clock saturates at the remote one; its next sync sends the cursor it was given.
        // (Its case and note were quarantined, so they left its merge: it edits the pulled note instead.)
        _ = try device.store.edit("remote-note", values: [("body", "after the end of time")])
        let own = try await device.store.database.read { db in
            try Int64.fetchOne(db, sql: "SELECT hlc FROM change_log WHERE device_id = ? ORDER BY seq DESC LIMIT 1",
                               arguments: [device.store.deviceID])
        }
        #expect(own == Int64.max)
        try await device.sync()
        #expect(sentCursors.values.last == .max)
    }

    /// A pull answer is bounded on the device as on the peer: more than 2000 changes is refused before any
    /// is built or applied.
    @Test func aPullAnswerWithTooManyChangesIsRefusedWhole() async throws {
        var previous = Change.genesisHash
        let changes = (1...Int64(ProtocolLimits.maximumPullChanges + 1)).map { seq -> Fieldbook_V1_Change in
            let change = Change(id: ChangeID(deviceID: "peer-device", seq: seq), hlc: HLC(milliseconds: 1_790_000_000_000, counter: seq),
                                recordedAt: "2026-11-20T12:00:00.000Z", author: "priya", recordID: "n\(seq)", recordType: .note,
                                caseID: "LA-1", kind: .create,
                                writes: [FieldWrite(field: "body", value: "n", supersedes: []), FieldWrite(field: "status", value: "draft", supersedes: [])],
                                sealed: [], previousHash: previous)
            previous = change.hash
            return Fieldbook_V1_Change(change, receivedAt: "2026-11-20T12:00:01.000Z")
        }
        var response = Fieldbook_V1_PullResponse()
        response.changes = changes
        let answer = try MessageCodec.encode(response)
        let peer = try await HostilePeer.start { path, body in
            switch path {
            case "/v1/enrol": return Self.enrolAnswer()
            case "/v1/push": return Self.pushAnswer(body, quarantineID: 1)
            case "/v1/pull": return (200, answer)
            default: return (404, [])
            }
        }
        defer { Task { await peer.stop() } }
        let device = try await deviceWithANote(peer)
        await #expect(throws: SyncError.badAnswer("a pull answer has more than \(ProtocolLimits.maximumPullChanges) changes")) {
            try await device.sync()
        }
        #expect(throws: StoreError.self, "nothing of the batch was applied") { try device.store.history("n1") }
    }
}

/// The cursors a hostile peer was sent, in order.
final class CursorLog: @unchecked Sendable {
    private let lock = NSLock()
    private var sent: [UInt64] = []
    func append(_ cursor: UInt64) { lock.withLock { sent.append(cursor) } }
    var values: [UInt64] { lock.withLock { sent } }
}
