import Foundation
import Logging
import Store
import SyncProtocol

/// What `fieldbook admin` does, over the central storage protocol (any engine). Each method commits before
/// it returns and works while the server runs: what it changes in the records (a case, its worker, a copied
/// record) enters the central log as the peer's own change, through an intake like a pushed one.
public struct CentralAdministration: Sendable {
    public let storage: any CentralStorage
    public let peer: CentralPeer
    /// Who is administering: the author of the changes these commands make, and who resolved what.
    public let actor: String

    public init(storage: any CentralStorage, actor: String, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.storage = storage
        self.actor = actor
        var logger = Logger(label: "fieldbook.admin")
        logger.logLevel = .warning
        self.peer = CentralPeer(storage: storage, clock: clock, logger: logger)
    }

    public var now: String { peer.now }

    /// Adds a user and returns their first single-use enrolment code.
    public func addUser(_ name: String, role: CentralRole, team: String?) async throws -> String {
        guard CaseStore.isValidUserName(name) else {
            throw CentralAdminError("'\(name)' is not a usable user name: use 1 to 64 letters, digits, '.', '_', '-' or '@'")
        }
        try await storage.addUser(CentralUser(name: name, role: role, team: team), now: now)
        return try await peer.issueEnrolmentCode(for: name)
    }

    /// A new enrolment code for an existing user (for a new or replaced device).
    public func newCode(for name: String) async throws -> String {
        guard try await storage.user(named: name) != nil else { throw CentralAdminError("no user \(name)") }
        return try await peer.issueEnrolmentCode(for: name)
    }


    /// Lets a quarantined change into the central log as it is (for example a visit recorded on a case
    /// that was reallocated meanwhile, once a supervisor has checked it).
    public func release(_ id: Int64) async throws {
        let entry = try await heldEntry(id)
        guard entry.pushedBy == entry.change.id.deviceID else {
            throw CentralAdminError("quarantined change \(id) was pushed by device \(entry.pushedBy), not by its own device \(entry.change.id.deviceID); it cannot enter the log (it stays in quarantine)")
        }
        guard entry.change.hashIsValid else {
            throw CentralAdminError("quarantined change \(id) does not match its hash; it cannot enter the log (it stays in quarantine)")
        }
        let change = entry.change
        let now = now
        try await storage.intake { intake in try await intake.accept([AcceptedChange(change, receivedAt: now)]) }
        try await storage.resolveQuarantine(id, state: .released, by: actor, note: nil, now: now)
    }

    /// Copies a quarantined new visit or note to another case, as a draft record of the central replica;
    /// the original stays in quarantine, marked assigned. Returns the new record's id.
    public func assign(quarantined id: Int64, to caseID: String) async throws -> String {
        let entry = try await heldEntry(id)
        guard entry.change.kind == .create else {
            throw CentralAdminError("quarantined change \(id) edits an existing record; only new visits and notes can be assigned to another case (release it, or leave it held)")
        }
        var fields: [String: String?] = [:]
        for write in entry.change.writes { fields[write.field] = write.value }
        let writes = try AdministrativeChange.copy(type: entry.change.recordType, fields: fields)
        try await requireCase(caseID)
        let record = UUIDv7.make(at: peer.clock())
        try await appendOwnChange(recordID: record, type: entry.change.recordType, caseID: caseID, kind: .create) { _ in writes }
        try await storage.resolveQuarantine(id, state: .assigned, by: actor,
                                            note: "copied to \(caseID) as \(record); written by \(entry.change.author) at \(entry.change.recordedAt)", now: now)
        return record
    }

    private func heldEntry(_ id: Int64) async throws -> QuarantineEntry {
        guard let entry = try await storage.quarantineEntry(id) else { throw CentralAdminError("no quarantined change \(id)") }
        guard entry.state == .held else { throw CentralAdminError("quarantined change \(id) was \(entry.state.rawValue) already") }
        return entry
    }
}
