import Central
import CentralSQLite
import ClientSync
import Foundation
import Store
import SyncHTTPClient
import SyncProtocol
import Testing

/// Malformed, truncated and oversized bodies and decompression bombs get a clear 4xx; the peer keeps serving.
@Suite(.serialized) struct HostileInputTests {
    @Test func badBodiesAreRefusedClearlyAndNothingIsStored() async throws {
        let central = try await TestCentral.start()
        defer { Task { await central.stop() } }
        try await central.seedTeam()
        let folder = try temporaryFolder()
        let sam = try await central.device("sam", in: folder)
        let token = try #require(try sam.store.syncState().token)
        let transport = HTTPSyncTransport(baseURL: central.url)

        let valid = try MessageCodec.encode(Fieldbook_V1_PushRequest())
        let oneChange: [UInt8] = {
            var message = Fieldbook_V1_PushRequest()
            var change = Fieldbook_V1_Change()
            change.id = Fieldbook_V1_ChangeRef(ChangeID(deviceID: "x", seq: 1))
            change.recordType = "spaceship"
            message.changes = [change]
            return (try? MessageCodec.encode(message)) ?? []
        }()
        let negativeClock: [UInt8] = {
            var change = Fieldbook_V1_Change(Change(
                id: ChangeID(deviceID: sam.store.deviceID, seq: 1), hlc: HLC(milliseconds: 1, counter: 0),
                recordedAt: "2026-11-20T12:00:00.000Z", author: "sam", recordID: "r1", recordType: .note, caseID: "LA-1",
                kind: .create, writes: [FieldWrite(field: "body", value: "x", supersedes: [])], sealed: [],
                previousHash: Change.genesisHash))
            change.hlc = -1
            var message = Fieldbook_V1_PushRequest()
            message.changes = [change]
            return (try? MessageCodec.encode(message)) ?? []
        }()
        var declaredHuge = valid
        declaredHuge[4] = 0x7F
        let bombPayload = try Zlib.compress([UInt8](repeating: 0, count: 20_000_000), level: 9)
        let bomb: [UInt8] = [0x46, 0x42, 1, 1, 0, 0, 0x10, 0] + bombPayload  // declares 4096 bytes
        let cases: [(String, [UInt8], Int, String)] = [
            ("garbage", Array("hello, server".utf8), 400, "malformed_frame"),
            ("empty", [], 400, "malformed_frame"),
            ("truncated", Array(valid.prefix(6)), 400, "malformed_frame"),
            ("truncated stream", Array(oneChange.prefix(oneChange.count - 4)), 400, "malformed_frame"),
            ("wrong version", [0x46, 0x42, 9, 0, 0, 0, 0, 0], 400, "malformed_frame"),
            ("declares too much", declaredHuge, 413, "too_large"),
            ("bomb", bomb, 413, "too_large"),
            ("not protobuf", try Frame.encode([0xFF, 0xFF, 0xFF, 0xFF, 0x0F]), 400, "malformed_message"),
            ("unknown record type", oneChange, 400, "malformed_message"),
            ("negative hlc", negativeClock, 400, "malformed_message"),
        ]
        for (name, body, status, code) in cases {
            let answer = try await transport.post(path: "/v1/push", body: body, token: token)
            #expect(answer.status == status, "\(name)")
            #expect(errorCode(answer.body) == code, "\(name)")
        }
        let tooBig = [UInt8](repeating: 0x41, count: ProtocolLimits.maximumBodyBytes + 10)
        let big = try await transport.post(path: "/v1/push", body: tooBig, token: token)
        #expect(big.status == 413)
        let unauthenticated = try await transport.post(path: "/v1/pull", body: valid, token: "nonsense")
        #expect(unauthenticated.status == 401)
        #expect(errorCode(unauthenticated.body) == "unauthorized")
        let unknown = try await transport.post(path: "/v1/teleport", body: valid, token: token)
        #expect(unknown.status == 404)

        // Still serving, and nothing of the above was stored.
        #expect(try await transport.health().contains("\"status\":\"ok\""))
        #expect(try await sam.sync().line == "pushed 0, pulled 0, conflicts 0, rejected 0")
        #expect(try await central.admin.storage.quarantine(state: nil).isEmpty)
    }

    /// A device name is shown to administrators (`admin device list`) and written to the log: one holding
    /// control characters (a newline forging a line, an escape sequence) is refused at enrolment, and the
    /// code is not used up.
    @Test func aDeviceNameWithControlCharactersIsRefusedAtEnrolment() async throws {
        let central = try await TestCentral.start()
        defer { Task { await central.stop() } }
        try await central.seedTeam()
        let code = try await central.admin.newCode(for: "sam")
        let transport = HTTPSyncTransport(baseURL: central.url)
        for name in ["laptop\nrevoked  sam  forged", "laptop\u{1B}]0;pwned\u{07}", "laptop\u{202E}pot"] {
            var request = Fieldbook_V1_EnrolRequest()
            request.code = code
            request.deviceID = "device-1"
            request.deviceName = name
            let answer = try await transport.post(path: "/v1/enrol", body: try MessageCodec.encode(request), token: nil)
            #expect(answer.status == 400 && errorCode(answer.body) == "malformed_message", "\(name.debugDescription)")
        }
        #expect(try await central.admin.storage.devices().isEmpty)
        _ = try await SyncClient(store: try CaseStore(path: try temporaryFolder().appendingPathComponent("s.sqlite").path, author: "sam"),
                                 transport: transport).enrol(serverURL: central.url, code: code, deviceName: "sam's laptop")
    }

}

/// Frames and the preset dictionary, byte by byte.
@Suite struct FrameTests {
    @Test func framesRoundTripCompressedOrNot() throws {
        let message = Array(String(repeating: "occurred_at statutory seen_alone ", count: 50).utf8)
        for compress in [true, false] {
            let frame = try Frame.encode(message, compress: compress)
            #expect(Array(frame.prefix(3)) == [0x46, 0x42, 1])
            #expect(try Frame.decode(frame) == message)
        }
    }

    @Test func aPayloadThatInflatesPastItsDeclaredLengthIsRefused() throws {
        let message = [UInt8](repeating: 7, count: 100_000)
        var frame = try Frame.encode(message)
        frame[4] = 0; frame[5] = 0; frame[6] = 0x01; frame[7] = 0  // declares 256 bytes
        #expect(throws: ProtocolError.tooLarge("the payload inflates to more than the 256 bytes its header declares")) {
            try Frame.decode(frame)
        }
    }
}
