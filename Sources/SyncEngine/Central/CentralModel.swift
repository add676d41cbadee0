import Store
import SyncProtocol

/// What a user may do: a worker reads and writes their allocated cases; a supervisor their team's cases,
/// and resolves conflicts.
public enum CentralRole: String, Sendable, CaseIterable {
    case worker, supervisor
}

public struct CentralUser: Sendable, Equatable {
    public let name: String
    public let role: CentralRole
    public let team: String?

    public init(name: String, role: CentralRole, team: String?) {
        self.name = name
        self.role = role
        self.team = team
    }
}

public struct CentralDevice: Sendable, Equatable {
    public let id: String
    public let user: String
    public let name: String
    public let enrolledAt: String
    public let revokedAt: String?
    public let lastSeenAt: String?

    /// Written out (it is the memberwise one) so that storage engines beside SQLite can make one.
    package init(id: String, user: String, name: String, enrolledAt: String, revokedAt: String?, lastSeenAt: String?) {
        self.id = id
        self.user = user
        self.name = name
        self.enrolledAt = enrolledAt
        self.revokedAt = revokedAt
        self.lastSeenAt = lastSeenAt
    }
}

/// One period during which a worker held a case.
public struct Allocation: Sendable, Equatable {
    public let caseID: String
    public let worker: String
    public let from: String
    /// `nil` while the worker still holds the case.
    public let to: String?
    public let reason: String?
    public let by: String

    /// Written out (it is the memberwise one) so that storage engines beside SQLite can make one.
    package init(caseID: String, worker: String, from: String, to: String?, reason: String?, by: String) {
        self.caseID = caseID
        self.worker = worker
        self.from = from
        self.to = to
        self.reason = reason
        self.by = by
    }
}

/// A change the central peer refused, kept with its reason until an administrator acts on it.
public struct QuarantineEntry: Sendable, Equatable {
    public enum State: String, Sendable {
        case held, released, assigned
    }
    public let id: Int64
    public let change: Change
    /// The device that pushed it: another device than the change's own means a forgery under its id.
    public let pushedBy: String
    public let reason: String
    public let receivedAt: String
    public let state: State
    public let resolvedBy: String?
    public let resolvedAt: String?
    public let note: String?

    /// Written out (it is the memberwise one) so that storage engines beside SQLite can make one.
    package init(id: Int64, change: Change, pushedBy: String, reason: String, receivedAt: String, state: State,
                 resolvedBy: String?, resolvedAt: String?, note: String?) {
        self.id = id
        self.change = change
        self.pushedBy = pushedBy
        self.reason = reason
        self.receivedAt = receivedAt
        self.state = state
        self.resolvedBy = resolvedBy
        self.resolvedAt = resolvedAt
        self.note = note
    }
}

/// A change as stored in the central log, with its position and arrival time.
public struct LoggedChange: Sendable {
    public let cursor: UInt64
    public let receivedAt: String
    public let change: Change
    /// Device clock minus peer clock at the push, where beyond the tolerance; `nil` otherwise.
    public var clockSkew: Int64? = nil

    /// Written out (it is the memberwise one) so that storage engines beside SQLite can make one.
    package init(cursor: UInt64, receivedAt: String, change: Change, clockSkew: Int64? = nil) {
        self.cursor = cursor
        self.receivedAt = receivedAt
        self.change = change
        self.clockSkew = clockSkew
    }
}

/// One pull that sent a device changes of a case.
public struct PullAudit: Sendable, Equatable {
    public let at: String
    public let deviceID: String
    public let user: String
    public let changes: Int

    /// Written out (it is the memberwise one) so that storage engines beside SQLite can make one.
    package init(at: String, deviceID: String, user: String, changes: Int) {
        self.at = at
        self.deviceID = deviceID
        self.user = user
        self.changes = changes
    }
}

/// One saved version of the council rules: who changed what, and when.
public struct RulesChange: Sendable, Equatable {
    public let version: UInt64
    public let changedAt: String
    public let changedBy: String
    /// What changed, in words: "cp.working-days 10 → 8".
    public let change: String

    /// Written out (it is the memberwise one) so that storage engines beside SQLite can make one.
    package init(version: UInt64, changedAt: String, changedBy: String, change: String) {
        self.version = version
        self.changedAt = changedAt
        self.changedBy = changedBy
        self.change = change
    }
}

/// One device that has held a case: when it first and last received it, and when it was told to purge it
/// and did.
public struct Custody: Sendable, Equatable {
    public let deviceID: String
    /// The device's user; `nil` if the device is unknown to the peer (never: custody is kept on send).
    public let user: String?
    public let firstSentAt: String
    public let lastSentAt: String
    public let purgeRequestedAt: String?
    public let purgedAt: String?

    /// Written out (it is the memberwise one) so that storage engines beside SQLite can make one.
    package init(deviceID: String, user: String?, firstSentAt: String, lastSentAt: String, purgeRequestedAt: String?, purgedAt: String?) {
        self.deviceID = deviceID
        self.user = user
        self.firstSentAt = firstSentAt
        self.lastSentAt = lastSentAt
        self.purgeRequestedAt = purgeRequestedAt
        self.purgedAt = purgedAt
    }
}
