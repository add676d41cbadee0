import Central
import CentralSQLite
import ClientSync
import Foundation
import Hummingbird
import Logging
import NIOCore
import SyncProtocol

/// A server on 127.0.0.1 that answers every `POST /v1/NAME` and `POST /v2/NAME` with whatever the test builds: a hostile or broken
/// central peer, to test what a device makes of answers the real peer never sends.
final class HostilePeer: Sendable {
    /// The answer to a request: its path and body in, a status and body out.
    typealias Answer = @Sendable (_ path: String, _ body: [UInt8]) -> (status: Int, body: [UInt8])

    let url: String
    private let server: Task<Void, any Error>

    static func start(_ answer: @escaping Answer) async throws -> HostilePeer {
        let router = Router()
        for version in ["/v1/", "/v2/"] {
            router.post(RouterPath(stringLiteral: version + "{endpoint}")) { request, _ -> Response in
                let body = try await request.body.collect(upTo: ProtocolLimits.maximumBodyBytes)
                let (status, bytes) = answer(request.uri.path, Array(body.readableBytesView))
                return Response(status: .init(code: status), body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
            }
        }
        var logger = Logger(label: "test.hostile-peer")
        logger.logLevel = .critical
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) },
                              logger: logger)
        let server = Task { try await app.runService() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CentralAdminError("the hostile peer did not start") }
        return HostilePeer(url: "http://127.0.0.1:\(port)", server: server)
    }

    private init(url: String, server: Task<Void, any Error>) {
        self.url = url
        self.server = server
    }

    func stop() async {
        server.cancel()
        _ = await server.result
    }
}
