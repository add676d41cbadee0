import Foundation
import Logging
import Store
import SwiftProtobuf
import SyncProtocol

/// The central peer's logic, independent of HTTP: enrolment, push intake, pull, and the health check
/// (SPEC.md §3). Every body is decoded within the protocol's limits; every refusal is a ``ProtocolError``
/// with a clear message; a pushed change is acknowledged only after the transaction holding it committed.
public final class CentralPeer: Sendable {
    public let storage: any CentralStorage
    let clock: @Sendable () -> Date
    let logger: Logger
    let enrolmentThrottle: EnrolmentThrottle
    /// Whose address a request's enrolment failures count against.
    let clientAddress: ClientAddress
    /// How long an enrolment code stays valid.
    public static let enrolmentCodeLifetime: TimeInterval = 72 * 3600

    public init(storage: any CentralStorage, clock: @escaping @Sendable () -> Date = { Date() },
                logger: Logger = Logger(label: "fieldbook.central"), clientAddress: ClientAddress = ClientAddress()) {
        self.storage = storage
        self.enrolmentThrottle = EnrolmentThrottle(storage: storage)
        self.clientAddress = clientAddress
        self.clock = clock
        self.logger = logger
    }

    public var now: String { Timestamp.iso8601(milliseconds: Timestamp.milliseconds(clock())) }

    /// Answers a request in one call, as the HTTP server does with its router and its token middleware:
    /// the endpoint is looked up in ``PeerEndpoint``, the token checked where one is needed, then
    /// ``answer(_:_:as:)``. The in-process transport (simulations, the demo's seeding) uses it.
    public func handle(_ request: PeerRequest) async -> PeerResponse {
        guard let endpoint = PeerEndpoint(method: request.method, path: request.path) else {
            return refusal(ProtocolError.notFound, path: request.path)
        }
        var device: AuthenticatedDevice?
        if endpoint.needsToken {
            switch await authenticate(request.authorization, path: request.path) {
            case .refused(let answer): return answer
            case .device(let authenticated): device = authenticated
            }
        }
        return await answer(endpoint, request, as: device)
    }

    /// Answers a request to `endpoint`.
    ///
    /// - Parameter device: the device whose token the transport accepted (``authenticate(_:path:)``);
    ///   required for an endpoint that ``PeerEndpoint/needsToken``, which is refused `401` without one.
    public func answer(_ endpoint: PeerEndpoint, _ request: PeerRequest, as device: AuthenticatedDevice?) async -> PeerResponse {
        do {
            if endpoint.needsToken, device == nil { throw ProtocolError.unauthorized }
            switch (endpoint, device) {
            case (.health, _):
                return PeerResponse(status: 200, contentType: "application/json",
                                    body: Array(#"{"service":"fieldbook-central","status":"ok","protocol":[1,2]}"#.utf8))
            case (.enrol, _), (.enrolV2, _): return try await enrol(request)
            case (.push, let device?): return try await push(request, as: device)
            case (.pull, let device?): return try await pull(request, as: device)
            case (.sync, let device?): return try await sync(request, as: device)
            case (.push, nil), (.pull, nil), (.sync, nil): throw ProtocolError.unauthorized
            }
        } catch {
            return refusal(error, path: request.path)
        }
    }

    /// Checks a bearer token from the `Authorization` header alone, so that a transport can refuse a request
    /// before reading its body (nothing of an unauthenticated body is then held in memory).
    public func authenticate(_ authorization: String?, path: String) async -> Authentication {
        do {
            return .device(try await authenticate(authorization))
        } catch {
            return .refused(refusal(error, path: path))
        }
    }

    /// The answer to a request that failed with `error`.
    private func refusal(_ error: any Error, path: String) -> PeerResponse {
        if let error = error as? ProtocolError {
            logger.info("refused", metadata: ["path": "\(path)", "code": "\(error.code)", "reason": "\(error.message)"])
            return .error(error)
        }
        if let error = error as? CentralStorageError {
            return storageRefusal(error, path: path)
        }
        logger.error("failed", metadata: ["path": "\(path)", "error": "\(error)"])
        return .error(.internal("the central peer could not complete the request; nothing from it was stored"))
    }

    private func storageRefusal(_ error: CentralStorageError, path: String) -> PeerResponse {
        switch error {
        case .full:
            logger.critical("storage full: requests are refused until there is space", metadata: ["path": "\(path)"])
            return .error(.storageFull)
        case .conflict(let why):
            logger.warning("conflict persisted after retries", metadata: ["path": "\(path)", "reason": "\(why)"])
            return .error(.busy)
        case .unavailable(let why):
            logger.error("storage unavailable", metadata: ["path": "\(path)", "reason": "\(why)"])
            return .error(.internal("the central peer's storage is unavailable; nothing from this request was stored"))
        }
    }

    // MARK: Enrolment

    /// Creates a user's single-use enrolment code; returns the code (shown once, stored hashed).
    public func issueEnrolmentCode(for user: String) async throws -> String {
        let code = Credentials.newEnrolmentCode()
        let expires = Timestamp.iso8601(milliseconds: Timestamp.milliseconds(clock().addingTimeInterval(Self.enrolmentCodeLifetime)))
        try await storage.addEnrolmentCode(hash: Credentials.hashCode(code), user: user, now: now, expiresAt: expires)
        return code
    }

    private func enrol(_ request: PeerRequest) async throws -> PeerResponse {
        let message = try MessageCodec.decode(Fieldbook_V1_EnrolRequest.self, from: request.body)
        guard message.protocolVersion <= ProtocolLimits.version else { throw ProtocolError.unsupportedVersion(message.protocolVersion) }
        let deviceIDIsPlain = message.deviceID.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x41 && $0 <= 0x5A) || $0 == 0x2D }
        guard (1...64).contains(message.code.utf8.count),
              (1...100).contains(message.deviceID.utf8.count), deviceIDIsPlain,
              message.deviceName.utf8.count <= 100, !SafeText.needsEscaping(message.deviceName)
        else { throw ProtocolError.malformedMessage("an enrolment needs a code, a device id (ASCII letters, digits and '-') and a short device name without control characters") }
        let address = clientAddress.of(request)
        if let wait = try await enrolmentThrottle.wait(for: address, now: clock()) {
            logger.warning("enrolment throttled", metadata: ["address": "\(address)", "wait": "\(Int(wait.rounded(.up)))"])
            throw ProtocolError.tooManyAttempts("too many failed enrolments from this address; try again in \(Int(wait.rounded(.up))) s")
        }
        let token = Credentials.newToken()
        guard let user = try await storage.redeemEnrolmentCode(hash: Credentials.hashCode(message.code), deviceID: message.deviceID,
                                                         deviceName: message.deviceName, tokenHash: Credentials.hash(token), now: now)
        else {
            try await enrolmentThrottle.failed(address, now: clock())
            logger.warning("enrolment refused", metadata: ["address": "\(address)", "device": "\(message.deviceID)"])
            throw ProtocolError.enrolmentRefused("the enrolment code is unknown, already used or expired; ask your administrator for a new one")
        }
        try await enrolmentThrottle.succeeded(address)
        logger.info("enrolled", metadata: ["user": "\(user.name)", "device": "\(message.deviceID)"])
        var response = Fieldbook_V1_EnrolResponse()
        response.token = token
        response.user = user.name
        response.role = user.role.rawValue
        response.team = user.team ?? ""
        return PeerResponse(status: 200, body: try MessageCodec.encode(response))
    }

    private func authenticate(_ header: String?) async throws -> AuthenticatedDevice {
        guard let header, header.hasPrefix("Bearer "), header.count < 200 else {
            throw ProtocolError.unauthorized
        }
        let token = String(header.dropFirst("Bearer ".count))
        guard let device = try await storage.device(tokenHash: Credentials.hash(token)), device.revokedAt == nil,
              let user = try await storage.user(named: device.user)
        else { throw ProtocolError.unauthorized }
        // Last seen is kept to the minute. Writing only when it is older keeps a pull that brings nothing
        // new free of the database's one write lock, which a large push may hold for seconds.
        let nowMilliseconds = Timestamp.milliseconds(clock())
        if device.lastSeenAt.map({ $0 < Timestamp.iso8601(milliseconds: nowMilliseconds - 60_000) }) ?? true {
            try await storage.touchDevice(device.id, now: Timestamp.iso8601(milliseconds: nowMilliseconds))
        }
        return AuthenticatedDevice(device: device, user: user)
    }

    // MARK: Push

    private func push(_ request: PeerRequest, as sender: AuthenticatedDevice) async throws -> PeerResponse {
        let message = try MessageCodec.decode(Fieldbook_V1_PushRequest.self, from: request.body)
        guard message.changes.count <= ProtocolLimits.maximumPushChanges else {
            throw ProtocolError.tooLarge("a push carries at most \(ProtocolLimits.maximumPushChanges) changes; this one has \(message.changes.count)")
        }
        let changes = try message.changes.map { try $0.decoded() }
        var response = Fieldbook_V1_PushResponse()
        response.results = try await admit(changes, deviceTimeMs: message.deviceTimeMs, from: sender).map { verdict in
            var result = Fieldbook_V1_PushResult()
            result.id = Fieldbook_V1_ChangeRef(verdict.id)
            switch verdict.admission {
            case .accepted: result.status = .accepted
            case .duplicate: result.status = .duplicate
            case .quarantined(let reason, let id):
                result.status = .quarantined
                result.reason = reason
                result.quarantineID = UInt64(id)
            }
            return result
        }
        response.serverTimeMs = Timestamp.milliseconds(clock())
        return PeerResponse(status: 200, body: try MessageCodec.encode(response))
    }

    // MARK: Pull

    /// The cases a user may see: their own allocations, and for a supervisor their team's.
    func visibleCases(for user: CentralUser) async throws -> Set<String> {
        var workers: Set<String> = [user.name]
        if user.role == .supervisor, let team = user.team {
            workers.formUnion(try await storage.users().filter { $0.team == team }.map(\.name))
        }
        return try await storage.cases(allocatedTo: workers)
    }

    private func pull(_ request: PeerRequest, as sender: AuthenticatedDevice) async throws -> PeerResponse {
        let message = try MessageCodec.decode(Fieldbook_V1_PullRequest.self, from: request.body)
        let query = PullQuery(cursor: message.cursor, maxChanges: message.maxChanges, held: message.heldCases,
                              purged: message.purgedCases, rulesDigest: message.rulesDigest, own: nil)
        let batch = try await planPull(query, for: sender, tableElements: false)
        var response = Fieldbook_V1_PullResponse()
        response.changes = batch.entries.map { entry in
            var change = Fieldbook_V1_Change(entry.change, receivedAt: entry.receivedAt)
            change.clockSkewMs = entry.clockSkew ?? 0
            return change
        }
        response.nextCursor = batch.nextCursor
        response.more = batch.more
        response.purgeCases = batch.revoked
        response.user = sender.user.name
        response.role = sender.user.role.rawValue
        response.serverTimeMs = Timestamp.milliseconds(clock())
        if let rules = batch.rules { response.rules = Fieldbook_V1_Rules(rules) }
        return PeerResponse(status: 200, body: try MessageCodec.encode(response))
    }
}
