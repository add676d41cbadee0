import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import SyncEngine

/// The central peer over HTTP/1.1 (TLS when given a certificate): Hummingbird routes every request to
/// ``CentralPeer/handle(_:)``. Bodies are read up to the protocol's limit and no further.
public enum CentralHTTPServer {
    /// A certificate and key in PEM files, for TLS.
    public struct TLSFiles: Sendable {
        public let certificate: String
        public let key: String

        public init(certificate: String, key: String) {
            self.certificate = certificate
            self.key = key
        }
    }

    /// Builds the server application. Run it with `runService()`: it stops cleanly on SIGINT and SIGTERM.
    ///
    /// - Parameter onRunning: called with the bound port once the server listens (useful with port 0).
    public static func application(peer: CentralPeer, host: String, port: Int, tls: TLSFiles? = nil,
                                   logger: Logger,
                                   onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> some ApplicationProtocol {
        let router = Router(context: PeerRequestContext.self)
        router.get("/") { request, context in try await respond(peer, request, context, logger: logger) }
        router.post("/v1/{endpoint}") { request, context in try await respond(peer, request, context, logger: logger) }
        let server: HTTPServerBuilder
        if let tls {
            let chain = try NIOSSLCertificate.fromPEMFile(tls.certificate).map { NIOSSLCertificateSource.certificate($0) }
            let key = try NIOSSLPrivateKey(file: tls.key, format: .pem)
            server = try .tls(.http1(), tlsConfiguration: .makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key)))
        } else {
            server = .http1()
        }
        return Application(
            router: router, server: server,
            configuration: .init(address: .hostname(host, port: port), serverName: "fieldbook-central"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }

    private static func respond(_ peer: CentralPeer, _ request: Request, _ context: PeerRequestContext,
                                logger: Logger) async throws -> Response {
        let body: [UInt8]
        do {
            let buffer = try await request.body.collect(upTo: ProtocolLimits.maximumBodyBytes)
            body = Array(buffer.readableBytesView)
        } catch is NIOTooManyBytesError {
            return response(.error(.tooLarge("the body is larger than \(ProtocolLimits.maximumBodyBytes) bytes")))
        }
        let peerRequest = PeerRequest(method: request.method.rawValue, path: request.uri.path,
                                      authorization: request.headers[.authorization], body: body,
                                      remoteAddress: context.remoteAddress?.ipAddress)
        // The peer's work blocks on SQLite (the one writer, fsync): run it on NIO's thread pool so that
        // Swift's cooperative threads, one per core, keep serving the other connections meanwhile.
        let answer = try await NIOThreadPool.singleton.runIfActive { peer.handle(peerRequest) }
        return response(answer)
    }

    /// Hummingbird's basic context plus the client's address (for the enrolment throttle).
    struct PeerRequestContext: RequestContext {
        var coreContext: CoreRequestContextStorage
        let remoteAddress: SocketAddress?

        init(source: ApplicationRequestContextSource) {
            coreContext = .init(source: source)
            remoteAddress = source.channel.remoteAddress
        }
    }

    private static func response(_ answer: PeerResponse) -> Response {
        Response(status: .init(code: answer.status),
                 headers: [.contentType: answer.contentType],
                 body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
    }
}
