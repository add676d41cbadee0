import SyncProtocol
/// The protocol's endpoints (SPEC.md §3, §12): the one table of what the central peer answers. The HTTP
/// server registers each with its router (the token check as middleware on those that need one); the
/// in-process transport looks a path up here. Nothing else routes a request.
public enum PeerEndpoint: String, CaseIterable, Sendable {
    /// `GET /`: the health check.
    case health = "/"
    case enrol = "/v1/enrol"
    case push = "/v1/push"
    case pull = "/v1/pull"
    /// Version 2's enrolment is version 1's.
    case enrolV2 = "/v2/enrol"
    /// Version 2: push and pull in one round trip.
    case sync = "/v2/sync"

    public var path: String { rawValue }

    /// `GET` for the health check, `POST` for the rest.
    public var method: String { self == .health ? "GET" : "POST" }

    /// Whether the request needs a device's bearer token, checked from its header before its body is read.
    public var needsToken: Bool {
        switch self {
        case .push, .pull, .sync: return true
        case .health, .enrol, .enrolV2: return false
        }
    }

    /// Whether the body is an enrolment request (kept tiny: it is read without a token).
    public var isEnrolment: Bool { self == .enrol || self == .enrolV2 }

    /// The endpoint at `path` for `method`, or `nil` (a 404).
    public init?(method: String, path: String) {
        guard let endpoint = PeerEndpoint(rawValue: path), endpoint.method == method else { return nil }
        self = endpoint
    }
}
