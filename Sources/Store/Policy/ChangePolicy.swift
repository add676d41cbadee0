/// Who may do what to which record, in one place: the local store refuses with it before writing, and the
/// central peer's admission refuses (quarantines) with it before accepting. A change the REPL would refuse
/// is refused by the peer too, because both ask this type. Protocol/SPEC.md §6 states the same table.
///
/// A change is judged by five things: the record's type, the operation (``Operation``, derived from the
/// change), the actor's role, the record's status (for an amendment: its target's), and the actor's access
/// to the case when the change was recorded (``Access``), plus whether the actor created the record.
/// ``decide(type:operation:role:status:access:isAuthor:)`` is the table; ``check(_:by:access:record:target:)``
/// derives those things from a change and adds the rules about content (a resolution of a final record
/// keeps a sealed value; an amendment stays in its target's case).
public enum ChangePolicy {
    /// What a change does, as the table names it.
    public enum Operation: String, Sendable, CaseIterable {
        case create, edit, finalise, delete, amend, resolve, oversight
    }

    /// The actor's role. A store that is not enrolled (and the central peer's own administration) has none:
    /// only the rules of type and status apply to it, and the peer judges its changes at the first sync.
    public enum Role: String, Sendable, CaseIterable {
        case worker, supervisor
    }

    /// The record's status as the table reads it; an amendment is judged by its target's.
    public enum Status: String, Sendable, CaseIterable {
        case none, draft, final, deleted
    }

    /// The actor's access to the record's case when the change was recorded.
    public enum Access: String, Sendable, CaseIterable {
        /// The case was allocated to the actor (now, or when the change was recorded).
        case allocated
        /// The case is allocated to a member of the supervisor's team (only supervisors have it).
        case team
        /// Neither.
        case none
    }

    /// Why a change is refused: a sentence a user can act on. It never names who holds a case the actor
    /// cannot see.
    public struct Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        public enum Rule: String, Sendable {
            /// The operation does not apply to this type of record.
            case type
            /// The record's status does not allow it (final, deleted, exists already, no such record).
            case status
            /// The actor's role or relation to the record does not allow it.
            case role
            /// The actor has no access to the case.
            case access
            /// The values written break a rule about content.
            case content
        }
        public let rule: Rule
        public let reason: String
        public var description: String { reason }

        init(_ rule: Rule, _ reason: String) {
            self.rule = rule
            self.reason = reason
        }
    }

    /// The table. `nil` means allowed.
    public static func decide(type: RecordType, operation: Operation, role: Role?, status: Status,
                              access: Access, isAuthor: Bool) -> Refusal? {
        // Access first: what a record is, or whether it exists, is nobody's business outside its case.
        if let role, !reaches(access, as: role) {
            return Refusal(.access, "the case is not allocated to you")
        }
        if let refusal = typeAndStatus(type: type, operation: operation, status: status) { return refusal }
        guard let role else { return nil }
        switch (type, operation) {
        case (.case, .create):
            return Refusal(.role, "cases are added by an administrator (fieldbook admin case add)")
        case (.case, .resolve):
            return role == .supervisor ? nil : Refusal(.role, "only a supervisor can resolve a conflict in a case's details")
        case (.oversight, _):
            return role == .supervisor ? nil
                : Refusal(.role, operation == .oversight ? "management oversight is recorded by a supervisor"
                                                         : "management oversight is corrected by a supervisor")
        case (_, .finalise), (_, .delete):
            return role == .supervisor || isAuthor ? nil
                : Refusal(.role, "only the record's author or a supervisor can \(operation == .finalise ? "finalise" : "delete") it")
        case (_, .resolve) where status == .draft:
            return role == .supervisor || isAuthor ? nil
                : Refusal(.role, "only a supervisor or the record's author can resolve its conflicts")
        case (_, .resolve):
            return role == .supervisor ? nil : Refusal(.role, "it is \(status.rawValue): only a supervisor can resolve a conflict on it")
        default:
            return nil
        }
    }

    /// Whether `access` lets `role` act on a case at all: allocated, or held in a supervisor's team.
    private static func reaches(_ access: Access, as role: Role) -> Bool {
        access == .allocated || (access == .team && role == .supervisor)
    }

    /// The rules of type and status, which bind every actor, enrolled or not.
    private static func typeAndStatus(type: RecordType, operation: Operation, status: Status) -> Refusal? {
        // A case has no status: once it exists it reads as final, whatever is asked.
        let status = type == .case && status != .none ? Status.final : status
        switch (type, operation) {
        case (.amendment, _):
            return Refusal(.type, "amendments are final when saved; add another amendment to the original record")
        case (_, .oversight) where type != .oversight, (.oversight, .create):
            return Refusal(.type, "management oversight is recorded with oversight CASE, on a case")
        case (.case, .finalise), (.case, .delete), (.case, .amend):
            return Refusal(.type, "a case has no draft or final state; its details are changed with edit")
        case (.oversight, .edit), (.oversight, .finalise), (.oversight, .delete), (.oversight, .resolve):
            return Refusal(.type, "oversight entries are final when saved; correct one with amend")
        default:
            break
        }
        switch (operation, status) {
        case (.create, .none), (.oversight, .none): return nil
        case (.create, _), (.oversight, _): return Refusal(.status, "the record exists already")
        case (_, .none): return Refusal(.status, "there is no such record")
        case (.amend, .final): return nil
        case (.amend, .draft): return Refusal(.status, "it is a draft: edit it instead")
        case (.amend, _): return Refusal(.status, "it was deleted")
        case (.resolve, _): return nil
        case (_, .draft): return nil
        case (.edit, .final) where type == .case: return nil
        case (_, .final): return Refusal(.status, "it is final; correct it with amend")
        case (_, .deleted): return Refusal(.status, "it was deleted")
        }
    }

    /// A record's status as the table reads it: a case, which has none, reads as final (only its details
    /// change, by edit); `nil` (no record) as none.
    public static func status(of state: RecordState?) -> Status {
        guard let state else { return .none }
        guard state.recordType.hasStatus else { return .final }
        switch state.status {
        case .draft?: return .draft
        case .deleted?: return .deleted
        case .final?, nil: return .final
        }
    }

    /// Judges an operation on an existing record (for an amendment: its target) before a change is built,
    /// so a command is refused before it asks for or checks anything else.
    public static func check(_ operation: Operation, on state: RecordState, by author: String, role: Role?,
                             access: Access) -> Refusal? {
        decide(type: state.recordType, operation: operation, role: role, status: status(of: state),
               access: access, isAuthor: state.creation?.author == author)
    }

    /// Judges a change against the state of its record (and, for an amendment, of its target): the table,
    /// then the rules about content. `nil` means allowed.
    ///
    /// - Parameters:
    ///   - actor: the change's author, with their role (`nil`: not enrolled, or the peer's administration).
    ///   - access: the author's access to the change's case when it was recorded.
    ///   - record: the record's merged state before the change, or `nil` if it does not exist.
    ///   - target: looks up another record with its amendments (an amendment's target).
    ///   - sealedView: for a finalisation, the record as its author saw it (the changes it seals); `nil`
    ///     when that is `record` itself, as on the device that makes it.
    public static func check(_ change: Change, role: Role?, access: Access, record: RecordState?,
                             target: (String) throws -> RecordSnapshot?,
                             sealedView: ((Change) throws -> RecordState?)? = nil) rethrows -> Refusal? {
        // Named for the peer's quarantine, without saying who holds the case instead; asked before anything
        // that would tell of the records of a case the author cannot see.
        if let role, !reaches(access, as: role) {
            return Refusal(.access, "case \(change.caseID) is not allocated to \(change.author)")
        }
        let operation: Operation
        var judged = record
        var amendedSnapshot: RecordSnapshot?
        var type = change.recordType
        switch (change.kind, change.recordType) {
        case (.create, .oversight): operation = .oversight
        case (.create, .amendment):
            operation = .amend
            guard record == nil else { return Refusal(.status, "the record exists already") }
            // An amendment is filed on its target's case: else it would carry words into a record its
            // author cannot see. A target elsewhere reads as no target, so the refusal tells nothing of it.
            guard let targetID = change.write(to: "target_id")?.value, let snapshot = try target(targetID),
                  snapshot.state.caseID == change.caseID else {
                return Refusal(.status, "it amends no record of case \(change.caseID)")
            }
            amendedSnapshot = snapshot
            let amended = snapshot.state
            judged = amended
            type = amended.recordType
        case (.create, _): operation = .create
        case (.edit, _): operation = .edit
        case (.finalise, _): operation = .finalise
        case (.delete, _): operation = .delete
        case (.resolve, _): operation = .resolve
        }
        if let refusal = decide(type: type, operation: operation, role: role, status: status(of: judged),
                                access: access, isAuthor: judged?.creation?.author == change.author) {
            return refusal
        }
        if type == .case, change.write(to: "worker") != nil, role != nil, change.kind != .create {
            return Refusal(.role, "cases are allocated by an administrator (fieldbook admin assign)")
        }
        switch operation {
        case .resolve:
            return record.flatMap { resolutionRefusal(change, $0) }
        case .finalise:
            let seen = try sealedView?(change) ?? record
            return seen.flatMap(finalisationRefusal)
        case .amend:
            return amendedSnapshot.flatMap { correctionRefusal(change, target: $0) }
        default:
            return nil
        }
    }

    /// A resolution never reopens a record, and on a final or deleted record it only chooses among the
    /// sealed values: a final record's content changes by amendment alone.
    private static func resolutionRefusal(_ change: Change, _ record: RecordState) -> Refusal? {
        for write in change.writes {
            if write.field == RecordSchema.statusField {
                if write.value == RecordStatus.draft.rawValue {
                    return Refusal(.content, "a resolution cannot reopen a record (status draft)")
                }
                continue
            }
            guard record.isSealed, let register = record.fields[write.field] else { continue }
            let sealedValues = register.settled.map(\.value)
            if !sealedValues.contains(write.value) && !(sealedValues.isEmpty && write.value == nil) {
                let key = record.recordType.schema.key(forField: write.field)
                return Refusal(.content, "\(key) of a \(record.status?.rawValue ?? "final") record keeps a sealed value: "
                    + "to take the late value, amend the record with reason=... \(key)=...")
            }
        }
        return nil
    }
}
