import AsyncHTTPClient
import Central
import CentralSQLite
import ClientSync
import Foundation
import Store
import SyncHTTPClient
import SyncProtocol
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

/// The throttle's count lives in the storage: every instance of the peer on one database sees the same
/// failures, and behind a load balancer each client is counted by the address the balancer forwards, but
/// only when the balancer is one the operator trusts.
@Suite(.serialized) struct SharedEnrolmentThrottleTests {
    private func guess(_ peer: CentralPeer, from address: String, forwardedFor: String? = nil) async throws -> Int {
        var message = Fieldbook_V1_EnrolRequest()
        message.protocolVersion = ProtocolLimits.version
        message.code = "WRNG-WRNG-WRNG"
        message.deviceID = "guesser"
        return await peer.handle(PeerRequest(method: "POST", path: "/v1/enrol", authorization: nil,
                                             body: try MessageCodec.encode(message), remoteAddress: address,
                                             forwardedFor: forwardedFor)).status
    }

    @Test func twoInstancesOnOneStorageCountTheSameFailures() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let now = Date()
        let first = CentralPeer(storage: try SQLiteCentralStorage(folder: folder.path, actor: "central"), clock: { now })
        let second = CentralPeer(storage: try SQLiteCentralStorage(folder: folder.path, actor: "central"), clock: { now })
        var statuses: [Int] = []
        for attempt in 0...EnrolmentThrottle.freeFailures {
            statuses.append(try await guess(attempt.isMultiple(of: 2) ? first : second, from: "198.51.100.4"))
        }
        #expect(statuses == Array(repeating: 403, count: EnrolmentThrottle.freeFailures + 1))
        #expect(try await guess(first, from: "198.51.100.4") == 429, "the failures made through the other instance count")
        #expect(try await guess(second, from: "198.51.100.4") == 429)
        #expect(try await guess(second, from: "198.51.100.5") == 403, "another address is not held back")
    }

    @Test func aForwardedAddressCountsOnlyFromATrustedProxy() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let storage = try SQLiteCentralStorage(folder: folder.path, actor: "central")
        // A clock that stands still: the waits the throttle asks for never run out during the test.
        let now = Date()
        let behindBalancer = CentralPeer(storage: storage, clock: { now }, clientAddress: ClientAddress(trustedProxies: ["10.0.0.2"]))
        for _ in 0...EnrolmentThrottle.freeFailures {
            #expect(try await guess(behindBalancer, from: "10.0.0.2", forwardedFor: "203.0.113.7") == 403)
        }
        #expect(try await guess(behindBalancer, from: "10.0.0.2", forwardedFor: "203.0.113.7") == 429)
        #expect(try await guess(behindBalancer, from: "10.0.0.2", forwardedFor: "203.0.113.8") == 403,
                "another client behind the same balancer is not held back")
        // A client that names an address itself: the balancer appends the one it saw, which is counted.
        #expect(try await guess(behindBalancer, from: "10.0.0.2", forwardedFor: "203.0.113.8, 203.0.113.7") == 429)
        // From an address that is not a trusted proxy the header is not believed: the connection counts.
        for _ in 0...EnrolmentThrottle.freeFailures {
            _ = try await guess(behindBalancer, from: "192.0.2.9", forwardedFor: "203.0.113.\(Int.random(in: 10...250))")
        }
        #expect(try await guess(behindBalancer, from: "192.0.2.9", forwardedFor: "203.0.113.99") == 429)
    }

    @Test func theClientAddressIsTheRightMostUntrustedHop() {
        let address = ClientAddress(trustedProxies: ["10.0.0.2", "10.0.0.3"])
        func of(_ remote: String?, _ header: String?) -> String {
            address.of(PeerRequest(method: "POST", path: "/v1/enrol", authorization: nil, body: [], remoteAddress: remote, forwardedFor: header))
        }
        #expect(of("10.0.0.2", "203.0.113.7") == "203.0.113.7")
        #expect(of("10.0.0.2", "203.0.113.7, 10.0.0.3") == "203.0.113.7", "a chain of trusted proxies")
        #expect(of("10.0.0.2", "1.2.3.4, 203.0.113.7") == "203.0.113.7", "what the client wrote itself is not taken")
        #expect(of("192.0.2.9", "203.0.113.7") == "192.0.2.9", "an untrusted peer's header is ignored")
        #expect(of("10.0.0.2", nil) == "10.0.0.2")
        #expect(of("10.0.0.2", "10.0.0.3") == "10.0.0.2", "only trusted hops: the connection")
        #expect(of("10.0.0.2", String(repeating: "9", count: 2_000)) == "10.0.0.2", "an oversized header is ignored")
        #expect(of(nil, "203.0.113.7") == "unknown")
    }

    @Test func theServersTrustedProxyForwardsTheClientsAddress() async throws {
        let central = try await TestCentral.start(clientAddress: ClientAddress(trustedProxies: ["127.0.0.1"]))
        defer { Task { await central.stop() } }
        var message = Fieldbook_V1_EnrolRequest()
        message.protocolVersion = ProtocolLimits.version
        message.code = "WRNG-WRNG-WRNG"
        message.deviceID = "guesser"
        let body = try MessageCodec.encode(message)
        func post(_ forwarded: String) async throws -> Int {
            var request = HTTPClientRequest(url: central.url + "/v1/enrol")
            request.method = .POST
            request.headers.add(name: "X-Forwarded-For", value: forwarded)
            request.body = .bytes(body)
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            return Int(response.status.code)
        }
        for _ in 0...EnrolmentThrottle.freeFailures { #expect(try await post("203.0.113.7") == 403) }
        #expect(try await post("203.0.113.7") == 429)
        #expect(try await post("203.0.113.8") == 403)
    }
}
