@testable import Central
@testable import CentralSQLite
@testable import ClientSync
import Foundation
import Store
import SyncHTTPClient
@testable import SyncProtocol
import Testing

/// A hostile or broken peer's `/v2/sync` answers (SPEC.md §12.4, §12.6, §12.7): each is an invalid answer with a
/// reason, never a crash, and nothing of it is recorded.
@Suite struct V2HostileAnswerTests {
    static func enrolAnswer() -> (status: Int, body: [UInt8]) {
        var response = Fieldbook_V1_EnrolResponse()
        response.token = String(repeating: "a", count: 64)
        response.user = "sam"
        response.role = "worker"
        return (200, (try? MessageCodec.encode(response)) ?? [])
    }

    /// The answer `shape` makes of a well-formed one that accepts every pushed change.
    static func peer(_ shape: @escaping @Sendable (inout Fieldbook_V2_SyncResponse, Fieldbook_V2_SyncRequest) -> Void) async throws -> HostilePeer {
        try await HostilePeer.start { path, body in
            switch path {
            case "/v2/enrol": return Self.enrolAnswer()
            case "/v2/sync":
                guard let request = try? MessageCodec.decode(Fieldbook_V2_SyncRequest.self, from: body) else { return (400, []) }
                var response = Fieldbook_V2_SyncResponse()
                response.results = request.changes.map { _ in Fieldbook_V2_PushResult() }
                shape(&response, request)
                return (200, (try? MessageCodec.encode(response)) ?? [])
            default: return (404, [])
            }
        }
    }

    /// A device with a case and a note waiting to be pushed (recorded before enrolment, as the v1 tests do).
    static func device(_ peer: HostilePeer) async throws -> SyncClient {
        let store = try CaseStore(path: try temporaryFolder().appendingPathComponent("sam.sqlite").path, author: "sam")
        try store.addCase(id: "LA-1", values: [("child", "A Child"), ("dob", "2015-01-01"), ("category", "CP")])
        _ = try store.addNote(caseID: "LA-1", body: "pending")
        let client = SyncClient(store: store, transport: HTTPSyncTransport(baseURL: peer.url))
        _ = try await client.enrol(serverURL: peer.url, code: "ANY-CODE", deviceName: "laptop")
        return client
    }

    @Test func tooFewResultsAreABadAnswer() async throws {
        let peer = try await Self.peer { response, _ in response.results.removeLast() }
        defer { Task { await peer.stop() } }
        let client = try await Self.device(peer)
        await #expect(throws: SyncError.badAnswer("the sync answer has 1 push results for 2 changes sent")) { try await client.sync() }
        #expect(try client.store.pendingCount() == 2)
    }

    @Test func aQuarantineIDBeyondTheRangeIsABadAnswer() async throws {
        let peer = try await Self.peer { response, _ in
            response.results[0].status = .quarantined
            response.results[0].quarantineID = .max
        }
        defer { Task { await peer.stop() } }
        let client = try await Self.device(peer)
        await #expect(throws: SyncError.badAnswer("the push answer gives quarantine id \(UInt64.max), beyond 2^63 − 1")) { try await client.sync() }
        #expect(try client.store.pendingCount() == 2)
    }

    @Test func aPulledChangeOutsideItsTablesIsABadAnswerAndKeepsNothing() async throws {
        let remote = Change(id: ChangeID(deviceID: "peer-device", seq: 1), hlc: HLC(milliseconds: 1_795_000_000_000, counter: 0),
                            recordedAt: "2026-11-20T12:00:00.000Z", author: "priya", recordID: newRecordID(), recordType: .note,
                            caseID: "LA-1", kind: .create, writes: [write("body", "x"), write("status", "draft")], sealed: [],
                            previousHash: Change.genesisHash)
        let peer = try await Self.peer { response, _ in
            var encoder = V2ChangeEncoder()
            response.changes = [encoder.encode(remote, receivedAt: "2026-11-20T12:00:01.000Z")]
            response.changes[0].author = 3
            response.devices = encoder.tables.devices
            response.authors = encoder.tables.authors
            response.nextCursor = 99
        }
        defer { Task { await peer.stop() } }
        let client = try await Self.device(peer)
        await #expect(throws: SyncError.badAnswer("change peer-device:1 names author 3 of a table of 1")) { try await client.sync() }
        #expect(try client.store.syncState().cursor == 0, "the batch and its cursor were not kept")
        #expect(try client.store.pendingCount() == 0, "the receipts before it were: the peer did store those changes")
    }

    @Test func aHashOfTheWrongLengthIsABadAnswer() async throws {
        let peer = try await Self.peer { response, _ in
            var change = Fieldbook_V2_Change()
            change.seq = 1
            change.hash = Data(repeating: 0, count: 33)
            response.devices = ["peer-device"]
            response.authors = ["priya"]
            response.changes = [change]
        }
        defer { Task { await peer.stop() } }
        let client = try await Self.device(peer)
        await #expect(throws: SyncError.self) { try await client.sync() }
        #expect(try client.store.syncState().cursor == 0)
    }

    /// A note of another device on `caseID`, as a pull would carry it.
    static func remoteNote(on caseID: String, seq: Int64 = 1, previousHash: String = Change.genesisHash) -> LoggedChange {
        let change = Change(id: ChangeID(deviceID: "peer-device", seq: seq), hlc: HLC(milliseconds: 1_795_000_000_000 + seq, counter: 0),
                            recordedAt: "2026-11-20T12:00:00.000Z", author: "priya", recordID: newRecordID(), recordType: .note,
                            caseID: caseID, kind: .create, writes: [write("body", "x"), write("status", "draft")], sealed: [],
                            previousHash: previousHash)
        return LoggedChange(cursor: UInt64(seq), receivedAt: "2026-11-20T12:00:01.000Z", change: change)
    }

    /// Segments bring only cases a device does not hold (SPEC.md §12.6): one of a held case is refused.
    @Test func aSegmentOfACaseTheDeviceHoldsIsABadAnswerAndKeepsNothing() async throws {
        let segment = try CaseSegment.build(caseID: "LA-1", entries: [Self.remoteNote(on: "LA-1")])
        let peer = try await Self.peer { response, _ in
            response.segments = [Data(segment.frame)]
            response.nextCursor = 99
        }
        defer { Task { await peer.stop() } }
        let client = try await Self.device(peer)
        await #expect(throws: SyncError.badAnswer("a segment of case LA-1 came, which this device holds already")) { try await client.sync() }
        #expect(try client.store.syncState().cursor == 0)
        #expect(try client.store.arrivalProgress() == ArrivalProgress())
        let changes = try await client.store.database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM change_log") }
        #expect(changes == 2, "only its own two")
    }

    /// A segment names its case, and every change in it must be of that case.
    @Test func aSegmentHoldingAnotherCasesChangeIsABadAnswer() async throws {
        let stray = Self.remoteNote(on: "LA-1")
        var message = Fieldbook_V2_Segment()
        var encoder = V2ChangeEncoder()
        message.caseID = "LA-9"
        message.firstCursor = 1
        message.lastCursor = 1
        message.changes = [encoder.encode(stray.change, receivedAt: stray.receivedAt)]
        message.devices = encoder.tables.devices
        message.authors = encoder.tables.authors
        let frame = try MessageCodec.encode(message)
        let peer = try await Self.peer { response, _ in response.segments = [Data(frame)] }
        defer { Task { await peer.stop() } }
        let client = try await Self.device(peer)
        await #expect(throws: SyncError.badAnswer("segment of case LA-9 holds change \(stray.change.id) of another case")) { try await client.sync() }
        #expect(try client.store.arrivalProgress() == ArrivalProgress())
    }

    /// The segments of one answer may inflate to 32 MiB together: a frame declaring more than is left is
    /// refused from its header, before it is inflated (alone, it would be within a message's limit).
    @Test func segmentsDeclaringMoreThanAnAnswerMayHoldAreRefusedBeforeInflating() async throws {
        let first = try CaseSegment.build(caseID: "LA-9", entries: [Self.remoteNote(on: "LA-9")])
        let declared = UInt32(ProtocolLimits.maximumMessageBytes)
        let header: [UInt8] = [0x46, 0x42, 1, 3, UInt8(declared >> 24), UInt8(declared >> 16 & 0xFF), UInt8(declared >> 8 & 0xFF), UInt8(declared & 0xFF)]
        // Not a zlib stream at all: inflating it would fail differently.
        let second = Data(header + [0xFF, 0xFF, 0xFF])
        let peer = try await Self.peer { response, _ in response.segments = [Data(first.frame), second] }
        defer { Task { await peer.stop() } }
        let client = try await Self.device(peer)
        await #expect(throws: SyncError.badAnswer("the answer's segments inflate to more than 33554432 bytes")) { try await client.sync() }
    }
}
