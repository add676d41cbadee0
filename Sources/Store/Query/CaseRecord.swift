/// A case's whole record, as a court or a printout needs it: the case's details, then every visit, note,
/// amendment, oversight entry, deletion, conflict resolution and allocation change in time order, each in
/// full, with who made it and when it happened, was recorded and reached the central peer.
///
/// Built by ``CaseStore/caseRecord(_:)`` from the store alone: it holds only the cases its user may see.
/// Changes the central peer refused (quarantined) take no part, as in every record the store shows; they
/// are counted in ``refusedChanges``.
public struct CaseRecord: Sendable, Equatable {
    public let header: CaseRecordHeader
    /// Oldest first (see ``CaseRecordEntry/when``).
    public let entries: [CaseRecordEntry]
    /// When the record was read, by the store's clock (ISO 8601 UTC with milliseconds).
    public let generatedAt: String
    /// The store's user: who produced it.
    public let generatedBy: String
    /// This store's device.
    public let deviceID: String
    /// The central peer the store is enrolled with, and the enrolled user's role; `nil` if never enrolled.
    public let centralPeer: String?
    public let role: String?
    /// The end of the last sync, `nil` before the first.
    public let lastSyncAt: String?
    /// This device's changes to the case that the central peer has not acknowledged yet.
    public let pendingChanges: Int
    /// This device's changes to the case that the central peer refused (see `rejected`); not in the record.
    public let refusedChanges: Int

    /// Every unresolved conflict: the case's own details' and each entry's.
    public var conflictCount: Int { header.conflicts.count + entries.reduce(0) { $0 + $1.conflicts.count } }
}

/// The case's details as they stand, with its allocation history and next statutory visit.
public struct CaseRecordHeader: Sendable, Equatable {
    public let caseID: String
    public let childName: String?
    public let dob: String?
    public let category: String?
    public let worker: String?
    public let placementStart: String?
    public let planStart: String?
    public let longTerm: Bool
    /// Who has held the case, oldest first (``CaseStore/allocationHistory(_:)``).
    public let allocation: [AllocationPeriod]
    public let workersInLastYear: Int
    /// The next statutory visit, `nil` when the case has no start date to count from.
    public let nextVisit: VisitDeadline?
    /// Days past ``nextVisit`` today (0 when not past).
    public let daysOverdue: Int
    /// The case's own fields in conflict.
    public let conflicts: [CaseRecordConflict]
    /// The case record's creating change.
    public let opened: ChangeStamp?
}

/// What the central peer holds of a change, as far as this store knows.
public enum ChangeReceipt: Sendable, Equatable {
    /// The central peer received (accepted) it at this time, by its own clock.
    case received(at: String)
    /// The central peer acknowledged this device's change; when it received it comes back at a later sync.
    case acknowledged
    /// Another device's change, which reached this store through the central peer; this store does not keep
    /// when the peer received it.
    case viaCentralPeer
    /// This device's change, not yet on the central peer.
    case notYetSynced
}

/// One change as a record shows it: which, who, when recorded, and what the central peer holds of it.
public struct ChangeStamp: Sendable, Equatable {
    public let change: ChangeID
    public let kind: ChangeKind
    public let author: String
    /// The recording device's clock when it was recorded.
    public let recordedAt: String
    public let receipt: ChangeReceipt
    /// How far the recording device's clock was off the central peer's when it synced (milliseconds,
    /// positive ahead), when beyond the tolerance: ``recordedAt`` is then not to be trusted.
    public let clockSkewMilliseconds: Int64?
}

/// One version of a field in conflict.
public struct CaseRecordVersion: Sendable, Equatable {
    public let value: String?
    public let author: String
    public let recordedAt: String
    public let change: ChangeID
    /// Written without seeing the record's finalisation or deletion.
    public let raced: Bool
}

/// A field in conflict, with every current version (the one shown meanwhile first).
public struct CaseRecordConflict: Sendable, Equatable {
    public let field: String
    /// The key users type (`alone` for `seen_alone`).
    public let key: String
    public let versions: [CaseRecordVersion]
    /// The versions are corrections by amendments that did not see each other.
    public let betweenAmendments: Bool
    /// The visit rule the merged record breaks, when that is the conflict.
    public let brokenRule: String?
}

/// One field of a visit, note or oversight entry.
public struct CaseRecordField: Sendable, Equatable {
    public let field: String
    public let key: String
    /// The value now: as recorded, or as corrected by amendments.
    public let value: String?
    /// The value as recorded, when amendments changed it (`.some(nil)`: recorded with no value).
    public let recorded: String??
}

/// One correction of one field by an amendment.
public struct CaseRecordCorrection: Sendable, Equatable {
    public let field: String
    public let key: String
    /// The value before this amendment (as recorded, or from an earlier amendment).
    public let before: String?
    public let after: String?
}

/// An amendment: a dated, attributed correction of a final record, with its reason.
public struct CaseRecordAmendment: Sendable, Equatable {
    public let recordID: String
    public let reason: String
    public let corrections: [CaseRecordCorrection]
    public let stamp: ChangeStamp
}

/// The record an amendment, deletion or resolution is about.
public struct CaseRecordTarget: Sendable, Equatable {
    public let recordID: String
    public let type: RecordType
    /// When it happened (visits, notes) or was recorded.
    public let when: String
}

/// One entry of the case record.
public struct CaseRecordEntry: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// The case was recorded: its first details.
        case caseOpened = "case opened"
        /// Details of the case changed (a start date, long-term, ...), not its worker.
        case caseDetails = "case details"
        /// The case was allocated to another worker.
        case allocation
        case visit, note, oversight, amendment
        /// A draft visit or note was marked deleted, with a reason.
        case deletion
        /// A conflict was settled.
        case resolution
    }

    /// What the entry says, by kind.
    public enum Content: Sendable, Equatable {
        /// A visit, note or oversight entry: its fields in schema order, with its amendments (oldest first).
        case record(fields: [CaseRecordField], amendments: [CaseRecordAmendment])
        case amendment(CaseRecordAmendment, target: CaseRecordTarget)
        case deletion(reason: String, target: CaseRecordTarget)
        /// The field, the value kept, and the versions the resolution replaced.
        case resolution(field: String, key: String, kept: String?, replaced: [CaseRecordVersion], target: CaseRecordTarget)
        case allocation(worker: String, previous: String?)
        /// The case's fields this change wrote, with their values before it.
        case caseDetails([CaseRecordCorrection])
    }

    public let kind: Kind
    /// The time the entry is ordered by: when a visit or note happened; when anything else was recorded.
    public let when: String
    public let recordID: String
    public let recordType: RecordType
    /// For visits, notes and oversight: draft, final or deleted now.
    public let status: RecordStatus?
    /// The change that made the entry: the record's creation, or the deletion, resolution or allocation.
    public let stamp: ChangeStamp
    /// For a record: its finalisation, its deletion (with the reason), its latest edit and how many edits.
    public let finalised: ChangeStamp?
    public let deleted: ChangeStamp?
    public let deleteReason: String?
    public let lastEdit: ChangeStamp?
    public let edits: Int
    public let content: Content
    /// Unresolved conflicts of the record (visits, notes, oversight), or of the amendments correcting it.
    public let conflicts: [CaseRecordConflict]
}
