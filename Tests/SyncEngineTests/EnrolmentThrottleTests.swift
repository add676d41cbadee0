import Foundation
import Store
import SyncEngine
import SyncHTTPClient
import Testing

/// Repeated failed enrolments from one address are slowed down; other addresses and good codes after the
/// wait are not.
@Suite(.serialized) struct EnrolmentThrottleTests {
    final class TestClock: @unchecked Sendable {
        private let lock = NSLock()
        private var date = Date()
        func now() -> Date { lock.withLock { date } }
        func advance(_ seconds: TimeInterval) { lock.withLock { date = date.addingTimeInterval(seconds) } }
    }

    private func enrol(_ peer: CentralPeer, code: String, from address: String) async throws -> PeerResponse {
        var message = Fieldbook_V1_EnrolRequest()
        message.protocolVersion = ProtocolLimits.version
        message.code = code
        message.deviceID = "device-\(UUID().uuidString.prefix(8))"
        message.deviceName = "test"
        return await peer.handle(PeerRequest(method: "POST", path: "/v1/enrol", authorization: nil,
                                       body: try MessageCodec.encode(message), remoteAddress: address))
    }

    private func code(_ response: PeerResponse) -> String? {
        (try? MessageCodec.decode(Fieldbook_V1_ErrorResponse.self, from: response.body))?.code
    }

    @Test func failedEnrolmentsFromOneAddressWaitLongerEachTime() async throws {
        let folder = try temporaryFolder()
        let clock = TestClock()
        let storage = try SQLiteCentralStorage(folder: folder.path, actor: "central")
        let peer = CentralPeer(storage: storage, clock: { clock.now() })
        let admin = CentralAdministration(storage: storage, clock: { clock.now() })
        _ = try await admin.addUser("sam", role: .worker, team: "north")
        let good = try await admin.newCode(for: "sam")

        for attempt in 1...EnrolmentThrottle.freeFailures {
            #expect(try await enrol(peer, code: "WRNG-CODE-\(attempt)", from: "10.0.0.9").status == 403, "attempt \(attempt) is only refused")
        }
        #expect(try await enrol(peer, code: "WRNG-CODE-6", from: "10.0.0.9").status == 403, "the failure that starts the wait")
        let throttled = try await enrol(peer, code: good, from: "10.0.0.9")
        #expect(throttled.status == 429, "even a good code waits: the code is not looked at")
        #expect(code(throttled) == "too_many_attempts")
        #expect(try await enrol(peer, code: "WRNG-CODE-7", from: "10.0.0.10").status == 403, "another address is unaffected")

        clock.advance(1.5)
        #expect(try await enrol(peer, code: "WRNG-CODE-8", from: "10.0.0.9").status == 403, "after the wait, the code is checked again")
        clock.advance(1.5)
        #expect(try await enrol(peer, code: good, from: "10.0.0.9").status == 429, "the next wait is twice as long (2 s)")
        clock.advance(1)
        #expect(try await enrol(peer, code: good, from: "10.0.0.9").status == 200, "a good code after the wait enrols")
        #expect(try await enrol(peer, code: "WRNG-CODE-9", from: "10.0.0.9").status == 403, "success starts the count again")

        #expect(EnrolmentThrottle.delay(afterFailures: 4) == 0)
        #expect(EnrolmentThrottle.delay(afterFailures: 5) == 0)
        #expect(EnrolmentThrottle.delay(afterFailures: 6) == 1)
        #expect(EnrolmentThrottle.delay(afterFailures: 7) == 2)
        #expect(EnrolmentThrottle.delay(afterFailures: 500) == EnrolmentThrottle.longestWait)
    }

    @Test func theHTTPServerThrottlesByTheClientsAddress() async throws {
        let central = try await TestCentral.start()
        defer { Task { await central.stop() } }
        let transport = HTTPSyncTransport(baseURL: central.url)
        var message = Fieldbook_V1_EnrolRequest()
        message.protocolVersion = ProtocolLimits.version
        message.code = "WRNG-WRNG-WRNG"
        message.deviceID = "guesser"
        var statuses: [Int] = []
        for _ in 0...EnrolmentThrottle.freeFailures + 1 {
            statuses.append(try await transport.post(path: "/v1/enrol", body: try MessageCodec.encode(message), token: nil).status)
        }
        #expect(statuses == Array(repeating: 403, count: EnrolmentThrottle.freeFailures + 1) + [429])
    }
}
