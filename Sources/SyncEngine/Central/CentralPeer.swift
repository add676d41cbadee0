import Foundation
import Logging
import Store
import SwiftProtobuf

/// The central peer's logic, independent of HTTP: enrolment, push intake, pull, and the health check
/// (SPEC.md §3). Every body is decoded within the protocol's limits; every refusal is a ``ProtocolError``
/// with a clear message; a pushed change is acknowledged only after the transaction holding it committed.
public final class CentralPeer: Sendable {
    public let storage: any CentralStorage
    let clock: @Sendable () -> Date
    let logger: Logger
    let enrolmentThrottle = EnrolmentThrottle()
    /// How long an enrolment code stays valid.
    public static let enrolmentCodeLifetime: TimeInterval = 72 * 3600

    public init(storage: any CentralStorage, clock: @escaping @Sendable () -> Date = { Date() },
                logger: Logger = Logger(label: "fieldbook.central")) {
        self.storage = storage
        self.clock = clock
        self.logger = logger
    }

    public var now: String { Timestamp.iso8601(milliseconds: Timestamp.milliseconds(clock())) }

    /// Answers a request.
    ///
    /// - Parameter authenticated: the device the transport already authenticated from the request's header
    ///   (``authenticate(_:path:)``), so that push and pull do not look the token up twice; `nil` to check
    ///   the token here.
    public func handle(_ request: PeerRequest, authenticated: AuthenticatedDevice? = nil) -> PeerResponse {
        do {
            switch (request.method, request.path) {
            case ("GET", "/"):
                return PeerResponse(status: 200, contentType: "application/json",
                                    body: Array(#"{"service":"fieldbook-central","status":"ok","protocol":[1]}"#.utf8))
            case ("POST", "/v1/enrol"): return try enrol(request)
            case ("POST", "/v1/push"): return try push(request, as: authenticated ?? authenticate(request.authorization))
            case ("POST", "/v1/pull"): return try pull(request, as: authenticated ?? authenticate(request.authorization))
            default: throw ProtocolError.notFound
            }
        } catch {
            return refusal(error, path: request.path)
        }
    }

    /// Checks a bearer token from the `Authorization` header alone, so that a transport can refuse a request
    /// before reading its body (nothing of an unauthenticated body is then held in memory).
    public func authenticate(_ authorization: String?, path: String) -> Authentication {
        do {
            return .device(try authenticate(authorization))
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
        if DiskFull.matches(error) {
            logger.critical("disk full: requests are refused until there is space", metadata: ["path": "\(path)"])
            return .error(.storageFull)
        }
        logger.error("failed", metadata: ["path": "\(path)", "error": "\(error)"])
        return .error(.internal("the central peer could not complete the request; nothing from it was stored"))
    }

    // MARK: Enrolment

    /// Creates a user's single-use enrolment code; returns the code (shown once, stored hashed).
    public func issueEnrolmentCode(for user: String) throws -> String {
        let code = Credentials.newEnrolmentCode()
        let expires = Timestamp.iso8601(milliseconds: Timestamp.milliseconds(clock().addingTimeInterval(Self.enrolmentCodeLifetime)))
        try storage.addEnrolmentCode(hash: Credentials.hashCode(code), user: user, now: now, expiresAt: expires)
        return code
    }

    private func enrol(_ request: PeerRequest) throws -> PeerResponse {
        let message = try MessageCodec.decode(Fieldbook_V1_EnrolRequest.self, from: request.body)
        guard message.protocolVersion <= ProtocolLimits.version else { throw ProtocolError.unsupportedVersion(message.protocolVersion) }
        let deviceIDIsPlain = message.deviceID.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x41 && $0 <= 0x5A) || $0 == 0x2D }
        guard (1...64).contains(message.code.utf8.count),
              (1...100).contains(message.deviceID.utf8.count), deviceIDIsPlain,
              message.deviceName.utf8.count <= 100, !SafeText.needsEscaping(message.deviceName)
        else { throw ProtocolError.malformedMessage("an enrolment needs a code, a device id (ASCII letters, digits and '-') and a short device name without control characters") }
        let address = request.remoteAddress ?? "unknown"
        if let wait = enrolmentThrottle.wait(for: address, now: clock()) {
            logger.warning("enrolment throttled", metadata: ["address": "\(address)", "wait": "\(Int(wait.rounded(.up)))"])
            throw ProtocolError.tooManyAttempts("too many failed enrolments from this address; try again in \(Int(wait.rounded(.up))) s")
        }
        let token = Credentials.newToken()
        guard let user = try storage.redeemEnrolmentCode(hash: Credentials.hashCode(message.code), deviceID: message.deviceID,
                                                         deviceName: message.deviceName, tokenHash: Credentials.hash(token), now: now)
        else {
            enrolmentThrottle.failed(address, now: clock())
            logger.warning("enrolment refused", metadata: ["address": "\(address)", "device": "\(message.deviceID)"])
            throw ProtocolError.enrolmentRefused("the enrolment code is unknown, already used or expired; ask your administrator for a new one")
        }
        enrolmentThrottle.succeeded(address)
        logger.info("enrolled", metadata: ["user": "\(user.name)", "device": "\(message.deviceID)"])
        var response = Fieldbook_V1_EnrolResponse()
        response.token = token
        response.user = user.name
        response.role = user.role.rawValue
        response.team = user.team ?? ""
        return PeerResponse(status: 200, body: try MessageCodec.encode(response))
    }

    private func authenticate(_ header: String?) throws -> AuthenticatedDevice {
        guard let header, header.hasPrefix("Bearer "), header.count < 200 else {
            throw ProtocolError.unauthorized
        }
        let token = String(header.dropFirst("Bearer ".count))
        guard let device = try storage.device(tokenHash: Credentials.hash(token)), device.revokedAt == nil,
              let user = try storage.user(named: device.user)
        else { throw ProtocolError.unauthorized }
        // Last seen is kept to the minute. Writing only when it is older keeps a pull that brings nothing
        // new free of the database's one write lock, which a large push may hold for seconds.
        let nowMilliseconds = Timestamp.milliseconds(clock())
        if device.lastSeenAt.map({ $0 < Timestamp.iso8601(milliseconds: nowMilliseconds - 60_000) }) ?? true {
            try storage.touchDevice(device.id, now: Timestamp.iso8601(milliseconds: nowMilliseconds))
        }
        return AuthenticatedDevice(device: device, user: user)
    }

    // MARK: Push

    private func push(_ request: PeerRequest, as sender: AuthenticatedDevice) throws -> PeerResponse {
        let (device, user) = (sender.device, sender.user)
        let message = try MessageCodec.decode(Fieldbook_V1_PushRequest.self, from: request.body)
        guard message.changes.count <= ProtocolLimits.maximumPushChanges else {
            throw ProtocolError.tooLarge("a push carries at most \(ProtocolLimits.maximumPushChanges) changes; this one has \(message.changes.count)")
        }
        let changes = try message.changes.map { try $0.decoded() }
        let received = now
        // Device clock minus ours; 0 (not sent) means unknown. Beyond the tolerance it is flagged.
        let skew = message.deviceTimeMs == 0 ? 0 : ClockSkew.difference(message.deviceTimeMs, Timestamp.milliseconds(clock()))
        let flagged = ClockSkew.exceeds(skew, ProtocolLimits.clockSkewTolerance) ? skew : nil
        if let flagged {
            logger.warning("device clock skewed", metadata: ["user": "\(user.name)", "device": "\(device.id)", "skew_ms": "\(flagged)"])
        }
        let results = try storage.intake { intake -> [Fieldbook_V1_PushResult] in
            var admission = ChangeAdmission(device: device, user: user, intake: intake, now: received, clockSkew: flagged)
            admission.clockLead = ClockLead(peerMilliseconds: Timestamp.milliseconds(clock()))
            return try changes.map { change in
                var result = Fieldbook_V1_PushResult()
                result.id = Fieldbook_V1_ChangeRef(change.id)
                switch try admission.admit(change) {
                case .accepted: result.status = .accepted
                case .duplicate: result.status = .duplicate
                case .quarantined(let reason, let id):
                    result.status = .quarantined
                    result.reason = reason
                    result.quarantineID = UInt64(id)
                }
                return result
            }
        }
        FaultPoint.reached("server-after-push-commit")
        let quarantined = results.filter { $0.status == .quarantined }
        logger.info("push", metadata: ["user": "\(user.name)", "device": "\(device.id)", "changes": "\(changes.count)",
                                       "quarantined": "\(quarantined.count)"])
        for result in quarantined {
            logger.warning("quarantined", metadata: ["change": "\(result.id.deviceID):\(result.id.seq)", "reason": "\(result.reason)"])
        }
        var response = Fieldbook_V1_PushResponse()
        response.results = results
        response.serverTimeMs = Timestamp.milliseconds(clock())
        return PeerResponse(status: 200, body: try MessageCodec.encode(response))
    }

    // MARK: Pull

    /// The cases a user may see: their own allocations, and for a supervisor their team's.
    func visibleCases(for user: CentralUser) throws -> Set<String> {
        var workers: Set<String> = [user.name]
        if user.role == .supervisor, let team = user.team {
            workers.formUnion(try storage.users().filter { $0.team == team }.map(\.name))
        }
        return try storage.cases(allocatedTo: workers)
    }

    private func pull(_ request: PeerRequest, as sender: AuthenticatedDevice) throws -> PeerResponse {
        let (device, user) = (sender.device, sender.user)
        let message = try MessageCodec.decode(Fieldbook_V1_PullRequest.self, from: request.body)
        guard message.heldCases.count <= ProtocolLimits.maximumCaseIDs, message.purgedCases.count <= ProtocolLimits.maximumCaseIDs else {
            throw ProtocolError.tooLarge("a pull names at most \(ProtocolLimits.maximumCaseIDs) held or purged cases")
        }
        // Cursors are positions in the central log, which SQLite numbers up to 2^63 − 1: a larger one was
        // never given out, and converting it would trap (one request could stop the peer).
        guard message.cursor <= UInt64(Int64.max) else {
            throw ProtocolError.malformedMessage("the cursor \(message.cursor) is beyond any position in the central log (at most \(Int64.max)); send the next_cursor of your last pull, or 0")
        }
        let visible = try visibleCases(for: user)
        let held = Set(message.heldCases)
        let revoked = held.subtracting(visible)
        // A case arrives whole when the device does not report holding it (a device leaves out cases whose
        // purge its unsent work held back, since pulls in between skipped their changes).
        let arriving = visible.subtracting(held)
        var cursor = message.cursor
        // A newly visible case arrives whole: rewind to its first change. Changes of held cases between
        // there and the old cursor come again; the device skips them by id.
        if let first = try storage.firstCursor(of: arriving), first <= cursor {
            cursor = first - 1
        }
        let limit = Int(min(max(message.maxChanges, 1), UInt32(ProtocolLimits.maximumPullChanges)))
        let (logged, top) = try storage.changes(after: cursor, in: visible, limit: limit + 1)
        let rules = try storage.rules()
        // No digest: the device counts with the shipped defaults.
        let sendsRules = rules.digest != (message.rulesDigest.isEmpty ? CouncilRules.defaultsDigest : message.rulesDigest)
        // Keep the answer well inside the body limits, however large the changes, and within the list
        // elements a device reads (what the cases to purge and the rules take is set aside first).
        var elements = revoked.count + (sendsRules ? rules.allValues.count + rules.holidays.count : 0)
        var size = 0
        var fitting = 0
        for entry in logged.prefix(limit) {
            size += ((try? Fieldbook_V1_Change(entry.change, receivedAt: entry.receivedAt).serializedBytes() as [UInt8])?.count ?? 0)
            elements += entry.change.wireElements
            if fitting > 0 && (size > ProtocolLimits.maximumPullMessageBytes || elements > ProtocolLimits.maximumMessageElements) { break }
            fitting += 1
        }
        let batch = logged.prefix(fitting)
        let more = logged.count > fitting
        var response = Fieldbook_V1_PullResponse()
        response.changes = batch.map { entry in
            var change = Fieldbook_V1_Change(entry.change, receivedAt: entry.receivedAt)
            change.clockSkewMs = entry.clockSkew ?? 0
            return change
        }
        response.nextCursor = more ? (batch.last?.cursor ?? cursor) : max(cursor, top)
        response.more = more
        response.purgeCases = revoked.sorted()
        response.user = user.name
        response.role = user.role.rawValue
        response.serverTimeMs = Timestamp.milliseconds(clock())
        if sendsRules { response.rules = Fieldbook_V1_Rules(rules) }
        var sent: [String: Int] = [:]
        for entry in batch { sent[entry.change.caseID, default: 0] += 1 }
        // A device cannot have purged a case it says it still holds: only the others count as purged.
        try storage.recordCustody(device: device.id, user: user.name, sent: sent, purgeRequested: revoked,
                                  purged: Set(message.purgedCases).subtracting(held), now: now)
        logger.info("pull", metadata: ["user": "\(user.name)", "device": "\(device.id)", "changes": "\(batch.count)",
                                       "cursor": "\(response.nextCursor)", "purge": "\(revoked.count)"])
        return PeerResponse(status: 200, body: try MessageCodec.encode(response))
    }
}
