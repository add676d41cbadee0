/// A refusal the protocol reports with an HTTP status and an `ErrorResponse` (SPEC.md §8).
public struct ProtocolError: Error, Equatable, CustomStringConvertible, Sendable {
    /// A stable, machine-readable code.
    public let code: String
    public let status: Int
    /// What went wrong, in words a person can act on.
    public let message: String

    public init(_ code: String, status: Int, _ message: String) {
        self.code = code
        self.status = status
        self.message = message
    }

    public var description: String { "\(message) (\(code), HTTP \(status))" }

    public static func malformedFrame(_ why: String) -> ProtocolError { ProtocolError("malformed_frame", status: 400, why) }
    public static func malformedMessage(_ why: String) -> ProtocolError { ProtocolError("malformed_message", status: 400, why) }
    public static func tooLarge(_ why: String) -> ProtocolError { ProtocolError("too_large", status: 413, why) }
    public static let unauthorized = ProtocolError("unauthorized", status: 401, "missing, unknown or revoked device token: enrol this device again")
    public static func forbidden(_ why: String) -> ProtocolError { ProtocolError("forbidden", status: 403, why) }
    public static func enrolmentRefused(_ why: String) -> ProtocolError { ProtocolError("enrolment_refused", status: 403, why) }
    public static func tooManyAttempts(_ why: String) -> ProtocolError { ProtocolError("too_many_attempts", status: 429, why) }
    public static func conflict(_ why: String) -> ProtocolError { ProtocolError("conflict", status: 409, why) }
    public static let notFound = ProtocolError("not_found", status: 404, "no such endpoint; this peer serves POST /v1/enrol, /v1/push, /v1/pull, /v2/enrol, /v2/sync and GET /")
    public static func unsupportedVersion(_ version: UInt32) -> ProtocolError {
        ProtocolError("unsupported_version", status: 400, "protocol version \(version) is not supported; this peer speaks version \(ProtocolLimits.version)")
    }
    public static let storageFull = ProtocolError("storage_full", status: 503, """
        the central peer's disk is full: nothing from this request was stored; your work is safe on this device, \
        sync again later
        """)
    public static let busy = ProtocolError("busy", status: 503, """
        the central peer is busy with other large uploads and did not read this request; your work is safe on \
        this device, sync again in a minute
        """)
    public static func `internal`(_ why: String) -> ProtocolError { ProtocolError("internal", status: 500, why) }
}
