import Central
import CentralSQLite
import ClientSync
import Foundation
import Store
import SyncHTTPClient
import SyncProtocol
import Testing

/// Issue 12, defect 6: a peer that accepts the connection and never answers is given up on after the
/// client's read timeout, with a plain message, not after the whole request's 60 s deadline with
/// `HTTPClientError.deadlineExceeded`.
@Suite struct SilentPeerTests {
    /// A socket on 127.0.0.1 that listens and never accepts: the kernel completes connections, nobody answers.
    private final class SilentListener {
        let descriptor: Int32
        let port: Int

        init() throws {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
            guard bound == 0, listen(fd, 16) == 0 else {
                close(fd)
                throw CocoaError(.fileWriteUnknown)
            }
            _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
            descriptor = fd
            port = Int(UInt16(bigEndian: address.sin_port))
        }

        deinit { close(descriptor) }
    }

    @Test func aPeerThatNeverAnswersIsGivenUpOnInSecondsWithAPlainMessage() async throws {
        let listener = try SilentListener()
        let client = try TrustedCertificates.client(trusting: nil, readTimeout: .seconds(1))
        var transport = HTTPSyncTransport(baseURL: "http://127.0.0.1:\(listener.port)", client: client)
        // A deadline far off, so only the read timeout can end the wait within the bound below (the bound
        // is loose: beside the other tests the event loop answers late, 24 s seen for a 1 s timeout).
        transport.timeout = .seconds(300)
        let started = Date()
        await #expect(throws: SyncError.unreachable("the central peer at http://127.0.0.1:\(listener.port) did not answer in time")) {
            _ = try await transport.post(path: "/v1/pull", body: [], token: "t")
        }
        #expect(Date().timeIntervalSince(started) < 120, "the read timeout, not the request's deadline")
        #expect(TrustedCertificates.readTimeout == .seconds(20))
        try await client.shutdown()
    }
}
