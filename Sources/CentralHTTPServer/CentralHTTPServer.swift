import Central
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import SyncProtocol

/// The central peer over HTTP/1.1 (TLS when given a certificate). Hummingbird routes each request, once,
/// to the ``PeerEndpoint`` it names, through ``BearerTokenMiddleware`` where the endpoint needs a token, and
/// on to ``CentralPeer/answer(_:_:as:)``. A body is read only after the request's token was accepted and its
/// size fits both the protocol's limit and the peer's budget for bodies in flight (``ServerLimits``);
/// connections that send too slowly, or nothing, are closed.
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
    /// - Parameters:
    ///   - limits: bounds on connections and bodies in flight (the defaults, unless a test shortens them).
    ///   - onRunning: called with the bound port once the server listens (useful with port 0).
    public static func application(peer: CentralPeer, host: String, port: Int, tls: TLSFiles? = nil,
                                   limits: ServerLimits = .standard, logger: Logger,
                                   onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> some ApplicationProtocol {
        let budget = BodyBudget(limits)
        let router = Router(context: PeerRequestContext.self)
        let open = router.group()
        let devices = router.group().add(middleware: BearerTokenMiddleware(peer: peer))
        for endpoint in PeerEndpoint.allCases {
            (endpoint.needsToken ? devices : open).on(RouterPath(endpoint.path), method: .init(rawValue: endpoint.method) ?? .post) { request, context in
                try await respond(peer, endpoint, request, context, limits: limits, budget: budget, logger: logger)
            }
        }
        // Any other path is answered 404 with the protocol's error message, without reading what was sent.
        for method in [HTTPRequest.Method.get, .post, .put, .delete, .patch] {
            router.on("**", method: method) { request, _ in
                response(await peer.handle(PeerRequest(method: request.method.rawValue, path: request.uri.path, authorization: nil, body: [])))
            }
        }
        let http1 = HTTP1Channel.Configuration(
            additionalChannelHandlers: [RequestDeadlines(headerTimeout: limits.headerTimeout, bodyTimeout: limits.bodyTimeout)],
            idleTimeout: limits.idleTimeout)
        let server: HTTPServerBuilder
        if let tls {
            let chain = try NIOSSLCertificate.fromPEMFile(tls.certificate).map { NIOSSLCertificateSource.certificate($0) }
            let key = try NIOSSLPrivateKey(file: tls.key, format: .pem)
            server = try .tls(.http1(configuration: http1),
                              tlsConfiguration: .makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key)))
        } else {
            server = .http1(configuration: http1)
        }
        return Application(
            router: router, server: server,
            configuration: .init(address: .hostname(host, port: port), serverName: "fieldbook-central"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }

    /// One request to `endpoint`, whose token the middleware accepted where it needs one, in the order that
    /// commits the least to whoever sent it: the size the request announces, room among the bodies in
    /// flight, and only then its body.
    private static func respond(_ peer: CentralPeer, _ endpoint: PeerEndpoint, _ request: Request, _ context: PeerRequestContext,
                                limits: ServerLimits, budget: BodyBudget, logger: Logger) async throws -> Response {
        let path = endpoint.path
        let bodyLimit = endpoint.isEnrolment ? limits.maximumEnrolmentBodyBytes : ProtocolLimits.maximumBodyBytes
        let messageLimit = endpoint.isEnrolment ? Fieldbook_V1_EnrolRequest.maximumMessageBytes : ProtocolLimits.maximumMessageBytes

        let announced = request.headers[.contentLength].flatMap { Int($0) }
        if let announced, announced > bodyLimit {
            return response(.error(.tooLarge("the body is \(announced) bytes; the limit here is \(bodyLimit)")))
        }
        // A body of unannounced length (chunked) may be as large as the limit; without either header there is none.
        var weight = announced ?? (request.headers[.transferEncoding] == nil ? 0 : bodyLimit)
        guard budget.grow(from: 0, to: weight) else { return busy(logger, path: path, weight: weight) }
        defer { budget.release(weight) }

        let body: [UInt8]
        do {
            let buffer = try await request.body.collect(upTo: bodyLimit)
            body = Array(buffer.readableBytesView)
        } catch is NIOTooManyBytesError {
            return response(.error(.tooLarge("the body is larger than \(bodyLimit) bytes")))
        }
        // Decoding inflates the message to the length its frame declares (a frame declaring more than the
        // limit is refused without inflating): weigh the request by that before decoding.
        let declared = Frame.declaredLength(body) ?? 0
        let heaviest = max(body.count, declared <= messageLimit ? declared : 0)
        if heaviest > weight {
            guard budget.grow(from: weight, to: heaviest) else { return busy(logger, path: path, weight: heaviest) }
            weight = heaviest
        }
        let peerRequest = PeerRequest(method: request.method.rawValue, path: path,
                                      authorization: request.headers[.authorization], body: body,
                                      remoteAddress: context.remoteAddress?.ipAddress,
                                      forwardedFor: Self.forwardedFor.flatMap { request.headers[$0] })
        // The storage awaits its engine without holding a thread. Decoding and checking a large request
        // takes a core for a while: large requests take turns, so they never hold every core, and small
        // ones are answered meanwhile.
        let device = context.device
        if weight > limits.smallRequestBytes {
            return try await heavyTurns.run { response(await peer.answer(endpoint, peerRequest, as: device)) }
        }
        return response(await peer.answer(endpoint, peerRequest, as: device))
    }

    /// Large requests, one at a time (``ServerLimits/smallRequestBytes``); their number waiting is bounded by
    /// the ``BodyBudget``.
    private static let heavyTurns = Turns()

    /// `X-Forwarded-For`: believed only from a trusted proxy (``ClientAddress``).
    private static let forwardedFor = HTTPField.Name("X-Forwarded-For")

    /// `503 busy`: the request does not fit among the bodies in flight. Its body was not read.
    private static func busy(_ logger: Logger, path: String, weight: Int) -> Response {
        logger.warning("busy: request refused before its body was read", metadata: ["path": "\(path)", "bytes": "\(weight)"])
        return response(.error(.busy))
    }

    static func response(_ answer: PeerResponse) -> Response {
        var headers: HTTPFields = [.contentType: answer.contentType]
        // Busy or out of disk space: worth trying again later, not at once.
        if answer.status == 503 { headers[.retryAfter] = "30" }
        return Response(status: .init(code: answer.status), headers: headers,
                        body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
    }
}

/// Hummingbird's basic context plus the client's address (for the enrolment throttle) and the device whose
/// token ``BearerTokenMiddleware`` accepted.
struct PeerRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?
    var device: AuthenticatedDevice?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
