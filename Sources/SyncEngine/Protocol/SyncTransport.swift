/// Carries framed bodies to a central peer: HTTP in production (SyncHTTPClient), a direct call into a
/// ``CentralPeer`` in simulations.
public protocol SyncTransport: Sendable {
    /// POSTs `body` to `path` (e.g. `/v1/push`) and returns the status and body of the answer.
    /// Throws when no answer arrived (connection refused, cut, timed out).
    func post(path: String, body: [UInt8], token: String?) async throws -> (status: Int, body: [UInt8])
}

/// Why a sync or enrolment could not finish. Whatever was committed before stays; the next sync resumes.
public enum SyncError: Error, CustomStringConvertible, Equatable {
    case notEnrolled
    case refused(ProtocolError)
    case unreachable(String)
    case badAnswer(String)

    public var description: String {
        switch self {
        case .notEnrolled: return "this store is not enrolled: enrol URL CODE (ask your administrator for a code)"
        case .refused(let error): return "the central peer refused: \(error.message) (\(error.code))"
        case .unreachable(let why): return "cannot reach the central peer (\(why)); your work is safe here and will sync later"
        case .badAnswer(let why): return "the central peer's answer was not understood: \(why)"
        }
    }

    /// The peer has no such endpoint (`404`, with or without an `ErrorResponse`): a peer older than the path.
    public var isMissingEndpoint: Bool {
        switch self {
        case .refused(let error): return error.status == 404
        case .badAnswer(let why): return why == "HTTP 404"
        default: return false
        }
    }
}
