/// What a change does to its record. The kind decides which fields it may write and how the merge treats
/// it (see ``RecordState``).
public enum ChangeKind: String, Sendable, Codable, CaseIterable {
    /// Creates the record: writes its initial fields, and `status = draft` for visits and notes.
    case create
    /// Changes content fields of a draft record (or the details of a case).
    case edit
    /// Writes `status = final` and seals the versions the author could see.
    case finalise
    /// Writes `status = deleted` and `delete_reason`; draft records only. Nothing is physically removed.
    case delete
    /// Replaces every sibling of a conflicted field with one value.
    case resolve
}

/// One field written by a change: its new value, and the earlier versions of the field it replaces.
public struct FieldWrite: Sendable, Hashable, Codable {
    /// The field's name, as in the SQL views (`occurred_at`, `wishes`, ...).
    public let field: String
    /// The new value; `nil` clears the field.
    public let value: String?
    /// The versions of this field the author could see, which this write replaces. Versions it did not
    /// see survive beside it as siblings: that is how a conflict is kept rather than lost.
    public let supersedes: [ChangeID]

    public init(field: String, value: String?, supersedes: [ChangeID]) {
        self.field = field
        self.value = value
        self.supersedes = supersedes.sorted()
    }

    /// A write as a change log column holds it: `supersedes` in the order stored (as `JSONDecoder` reads it).
    init(field: String, value: String?, supersedesAsStored supersedes: [ChangeID]) {
        self.field = field
        self.value = value
        self.supersedes = supersedes
    }

    enum CodingKeys: String, CodingKey { case field = "f", value = "v", supersedes = "s" }
}

/// A change: one attributed, hash-chained mutation of one record.
///
/// Every mutation of the store writes exactly one change in the same transaction as its effect, and the
/// record tables are a projection of the change log (``StoreVerifier`` proves it). Changes are immutable
/// once written; they are identical on every replica, byte for byte, which is what lets ``hash`` chain them.
public struct Change: Sendable, Hashable {
    public let id: ChangeID
    /// Orders the change among all others (see ``HLC``).
    public let hlc: HLC
    /// The device's wall clock when the change was recorded, ISO 8601 UTC with milliseconds. Kept
    /// separately from the HLC because it is what a person means by "when was this written".
    public let recordedAt: String
    /// The user who made the change.
    public let author: String
    public let recordID: String
    public let recordType: RecordType
    /// The case the record belongs to (for a case record, its own id).
    public let caseID: String
    public let kind: ChangeKind
    /// The fields written, sorted by field name.
    public let writes: [FieldWrite]
    /// For a change that makes a record final or deleted: every change of the record its author had seen
    /// (itself included). An edit made elsewhere without seeing the finalisation is not in this set, and
    /// the merge turns it into a conflict instead of a silent change to a final record.
    public let sealed: [ChangeID]
    /// The hash of the previous change of the same device, or ``Change/genesisHash`` for its first.
    public let previousHash: String
    /// SHA-256 of ``CanonicalEncoding`` of every field above, lowercase hex.
    public let hash: String

    /// The `previousHash` of a device's first change.
    public static let genesisHash = String(repeating: "0", count: 64)

    /// Builds a change and computes its hash.
    public init(id: ChangeID, hlc: HLC, recordedAt: String, author: String, recordID: String,
                recordType: RecordType, caseID: String, kind: ChangeKind, writes: [FieldWrite],
                sealed: [ChangeID], previousHash: String) {
        let unhashed = Change(id: id, hlc: hlc, recordedAt: recordedAt, author: author, recordID: recordID,
                              recordType: recordType, caseID: caseID, kind: kind, writes: writes,
                              sealed: sealed, previousHash: previousHash, claimedHash: "")
        self.init(id: id, hlc: hlc, recordedAt: recordedAt, author: author, recordID: recordID,
                  recordType: recordType, caseID: caseID, kind: kind, writes: writes, sealed: sealed,
                  previousHash: previousHash, claimedHash: CanonicalEncoding.hash(of: unhashed))
    }

    /// Rebuilds a change read from storage or the network, keeping the hash it claims, so that
    /// ``StoreVerifier`` can compare the claim with ``CanonicalEncoding/hash(of:)``.
    public init(id: ChangeID, hlc: HLC, recordedAt: String, author: String, recordID: String,
                recordType: RecordType, caseID: String, kind: ChangeKind, writes: [FieldWrite],
                sealed: [ChangeID], previousHash: String, claimedHash: String) {
        self.id = id
        self.hlc = hlc
        self.recordedAt = recordedAt
        self.author = author
        self.recordID = recordID
        self.recordType = recordType
        self.caseID = caseID
        self.kind = kind
        self.writes = writes.sorted { $0.field < $1.field }
        self.sealed = sealed.sorted()
        self.previousHash = previousHash
        self.hash = claimedHash
    }

    /// Whether ``hash`` is the hash of this change's content.
    public var hashIsValid: Bool { CanonicalEncoding.hash(of: self) == hash }

    /// The write to `field`, if this change wrote it.
    public func write(to field: String) -> FieldWrite? { writes.first { $0.field == field } }
}
