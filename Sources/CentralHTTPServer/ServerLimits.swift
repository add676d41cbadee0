import Central
import NIOCore
import SyncProtocol

/// The central peer's bounds on connections and on request bodies in flight, on top of the protocol's own
/// limits (Protocol/SPEC.md §2, §7). Each one answers an attack measured in docs/RELIABILITY.md ("Hostile
/// input: resource bounds"); the defaults suit a council's peer, and tests shorten them.
public struct ServerLimits: Sendable {
    /// A new connection's first request must have sent its headers within this time, or the connection is
    /// closed: a client that opens connections and sends nothing, or one byte at a time, holds nothing long.
    public var headerTimeout: TimeAmount = .seconds(10)
    /// A request's body must have arrived whole within this time after its headers. The reference client
    /// gives up on a whole request after 60 s, so a body slower than that is of no use to anyone.
    public var bodyTimeout: TimeAmount = .seconds(60)
    /// A connection with no request in progress (between keep-alive requests) is closed after this long.
    public var idleTimeout: TimeAmount = .seconds(30)
    /// The largest enrolment body: enrolment takes no token, so anyone may send one, and a real one is a
    /// few hundred bytes (SPEC.md §3.2).
    public var maximumEnrolmentBodyBytes = ProtocolLimits.maximumEnrolmentBytes + 64
    /// What all requests being read or decoded at once may weigh together. A request's weight is the larger
    /// of its body (as announced by `Content-Length`, or the endpoint's limit when it is not announced) and
    /// the message its frame declares, which decoding inflates to. A request that does not fit is answered
    /// `503 busy` at once, before its body is read.
    public var bodiesInFlightBytes = 64 * 1024 * 1024
    /// The part of ``bodiesInFlightBytes`` only small requests may use, so that large uploads never crowd out
    /// the small pushes and pulls of other devices.
    public var reservedForSmallRequestsBytes = 8 * 1024 * 1024
    /// A request weighing more than this is large: it is decoded on a lane of its own, one at a time, so the
    /// peer's other threads stay free for small requests.
    public var smallRequestBytes = 256 * 1024

    public init() {}

    public static let standard = ServerLimits()
}
