/// A record as the merge of every change to it: the single rule that turns changes into state, used alike
/// for local writes, changes pulled from the central peer, and `verify`'s replay.
///
/// **The rule.** Each field is a multi-value register. A write replaces exactly the versions of the field its
/// author could see (``FieldWrite/supersedes``); versions it did not see survive beside it. A field's current
/// versions are those not superseded by any *effective* write. The provisional value is the current version
/// with the greatest (not-raced, HLC, change id), so every replica shows the same one.
///
/// **Final records.** Finalising or deleting a record *seals* it: the change lists every change of the record
/// its author had seen (``Change/sealed``). Once a record's status is final or deleted, a content write from a
/// change outside the seal (an edit made elsewhere that raced the finalisation) is *raced*: it is kept as a
/// version, but it cannot supersede a sealed version, so the field becomes a conflict for a supervisor rather
/// than a silent change to a final record, and the sealed value stays provisional. Resolutions are never raced.
///
/// **Determinism.** The state is a function of the *set* of changes applied: ``apply(_:)`` is idempotent and
/// every derived value is recomputed from the full set, so any order and any repetition give equal states.
public struct RecordState: Sendable, Equatable {
    public let recordID: String
    public private(set) var recordType: RecordType
    public private(set) var caseID: String
    /// The change that created the record (the least, should there be several), once it has arrived.
    public private(set) var creation: Change.Summary?
    /// The latest change by HLC.
    public private(set) var lastChange: Change.Summary?
    /// Every change applied, by id.
    public private(set) var changeIDs: Set<ChangeID> = []

    /// Every version of every field ever written, by field and version id.
    private var versions: [String: [ChangeID: FieldVersion]] = [:]
    /// Seals of changes that write a terminal status, by change id.
    private var seals: [ChangeID: Set<ChangeID>] = [:]

    /// The merged fields, by name.
    public private(set) var fields: [String: FieldRegister] = [:]

    public init(recordID: String, recordType: RecordType, caseID: String) {
        self.recordID = recordID
        self.recordType = recordType
        self.caseID = caseID
    }

    /// Builds the state of a record from its changes, in any order.
    public init?<Changes: Sequence>(changes: Changes) where Changes.Element == Change {
        var iterator = changes.makeIterator()
        guard let first = iterator.next() else { return nil }
        self.init(recordID: first.recordID, recordType: first.recordType, caseID: first.caseID)
        apply(first)
        while let next = iterator.next() { apply(next) }
    }

    // MARK: - Reading

    /// The status (draft, final, deleted) as provisionally merged; `nil` for cases.
    public var status: RecordStatus? {
        fields[RecordSchema.statusField]?.value.flatMap(RecordStatus.init(rawValue:))
    }

    /// Provisional values of every field that has one.
    public var values: [String: String] {
        fields.compactMapValues(\.value)
    }

    public func value(_ field: String) -> String? { fields[field]?.value }

    /// Fields whose current versions disagree, sorted by name.
    public var conflictedFields: [String] {
        fields.filter { $0.value.isConflicted }.map(\.key).sorted()
    }

    /// The changes a finalisation made now would seal: everything applied to the record.
    public var sealCandidate: [ChangeID] { changeIDs.sorted() }

    /// The version ids a new write of `field` supersedes: all its current versions.
    public func currentVersionIDs(of field: String) -> [ChangeID] {
        fields[field]?.current.map(\.change).sorted() ?? []
    }

    // MARK: - Merging

    /// Adds a change to the set and recomputes the derived state. Applying a change twice has no effect.
    public mutating func apply(_ change: Change) {
        guard change.recordID == recordID, changeIDs.insert(change.id).inserted else { return }
        for write in change.writes {
            versions[write.field, default: [:]][change.id] = FieldVersion(change: change, write: write)
        }
        if let status = change.write(to: RecordSchema.statusField)?.value,
           RecordStatus(rawValue: status)?.isTerminal == true {
            seals[change.id] = Set(change.sealed).union([change.id])
        }
        let summary = Change.Summary(change)
        if change.kind == .create, creation.map({ change.id < $0.id }) ?? true {
            creation = summary
        }
        // Type and case come from the creating change; until it arrives, from the least change id.
        if change.kind == .create ? creation?.id == change.id : (creation == nil && change.id == changeIDs.min()) {
            recordType = change.recordType
            caseID = change.caseID
        }
        if lastChange.map({ ($0.hlc, $0.id) < (change.hlc, change.id) }) ?? true {
            lastChange = summary
        }
        recompute()
    }

    private mutating func recompute() {
        var merged: [String: FieldRegister] = [:]
        let statusField = RecordSchema.statusField
        if let statusVersions = versions[statusField] {
            merged[statusField] = Self.register(statusVersions, isRaced: { _ in false }, isSealed: { _ in false })
        }
        // The seal is the union over the current versions that make the record final or deleted.
        var sealed: Set<ChangeID> = []
        var frozen = false
        for version in merged[statusField]?.current ?? []
        where version.value.flatMap(RecordStatus.init(rawValue:))?.isTerminal == true {
            frozen = true
            sealed.formUnion(seals[version.change] ?? [version.change])
        }
        let isSealed: (FieldVersion) -> Bool = { frozen && sealed.contains($0.change) }
        let isRaced: (FieldVersion) -> Bool = { version in
            frozen && version.kind != .resolve && !sealed.contains(version.change)
        }
        for (field, fieldVersions) in versions where field != statusField {
            merged[field] = Self.register(fieldVersions, isRaced: isRaced, isSealed: isSealed)
        }
        fields = merged
    }

    /// Current versions of one field: those not superseded by an effective write. A raced write may still
    /// supersede versions outside the seal (its own device's earlier raced edits), but never sealed ones.
    private static func register(_ all: [ChangeID: FieldVersion],
                                 isRaced: (FieldVersion) -> Bool,
                                 isSealed: (FieldVersion) -> Bool) -> FieldRegister {
        var superseded: Set<ChangeID> = []
        var raced: Set<ChangeID> = []
        for version in all.values where isRaced(version) { raced.insert(version.change) }
        for version in all.values {
            if raced.contains(version.change) {
                for id in version.supersedes {
                    if let target = all[id], isSealed(target) { continue }
                    superseded.insert(id)
                }
            } else {
                superseded.formUnion(version.supersedes)
            }
        }
        var current = all.values.filter { !superseded.contains($0.change) }
        // Only a forged cycle of supersession can leave nothing current; keep every version visible then.
        if current.isEmpty { current = Array(all.values) }
        current.sort { precedence($0, raced) > precedence($1, raced) }
        return FieldRegister(current: current)
    }

    /// The total order that picks the provisional value: not-raced first, then HLC, then change id.
    private static func precedence(_ version: FieldVersion, _ raced: Set<ChangeID>) -> Precedence {
        Precedence(notRaced: raced.contains(version.change) ? 0 : 1, hlc: version.hlc, change: version.change)
    }

    private struct Precedence: Comparable {
        let notRaced: Int
        let hlc: HLC
        let change: ChangeID
        static func < (a: Precedence, b: Precedence) -> Bool {
            (a.notRaced, a.hlc, a.change) < (b.notRaced, b.hlc, b.change)
        }
    }
}

extension Change {
    /// Who made a change, where and when: what a record keeps of its creating and latest changes.
    public struct Summary: Sendable, Hashable {
        public let id: ChangeID
        public let hlc: HLC
        public let author: String
        public let recordedAt: String

        public init(_ change: Change) {
            id = change.id
            hlc = change.hlc
            author = change.author
            recordedAt = change.recordedAt
        }
    }
}
