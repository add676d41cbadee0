import SyncProtocol
/// A request as the central peer sees it, whatever carried it.
public struct PeerRequest: Sendable {
    public let method: String
    public let path: String
    /// The `Authorization` header, if any.
    public let authorization: String?
    public let body: [UInt8]
    /// The client's address (IP, without the port), where the transport knows it: failed enrolments are
    /// throttled per address.
    public let remoteAddress: String?
    /// The `X-Forwarded-For` header, if any: read only when `remoteAddress` is a trusted proxy
    /// (``ClientAddress``).
    public let forwardedFor: String?

    public init(method: String, path: String, authorization: String?, body: [UInt8], remoteAddress: String? = nil,
                forwardedFor: String? = nil) {
        self.method = method
        self.path = path
        self.authorization = authorization
        self.body = body
        self.remoteAddress = remoteAddress
        self.forwardedFor = forwardedFor
    }
}

/// A device whose bearer token the central peer accepted: who a request comes from.
public struct AuthenticatedDevice: Sendable, Equatable {
    public let device: CentralDevice
    public let user: CentralUser
}

/// The outcome of checking a request's token from its header, before its body is read.
public enum Authentication: Sendable {
    case device(AuthenticatedDevice)
    /// The answer to send instead (`401 unauthorized`, or a storage failure), without reading the body.
    case refused(PeerResponse)
}

/// The central peer's answer.
public struct PeerResponse: Sendable {
    public let status: Int
    public let contentType: String
    public let body: [UInt8]

    public static let frameContentType = Frame.contentType

    public init(status: Int, contentType: String = PeerResponse.frameContentType, body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    /// An `ErrorResponse` frame for a refusal.
    public static func error(_ error: ProtocolError) -> PeerResponse {
        var message = Fieldbook_V1_ErrorResponse()
        message.code = error.code
        message.message = error.message
        return PeerResponse(status: error.status, body: (try? MessageCodec.encode(message, compress: false)) ?? [])
    }
}
