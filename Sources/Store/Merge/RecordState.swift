/// A record as the merge of every change to it: the single rule that turns changes into state, used alike
/// for local writes, changes pulled from the central peer, and `verify`'s replay.
///
/// **The rule.** Each field is a multi-value register. A write replaces exactly the versions of the field its
/// author could see (``FieldWrite/supersedes``); versions it did not see survive beside it. A field's current
/// versions are those not superseded by any *effective* write. The provisional value is the current settled
/// version with the greatest (HLC, change id), so every replica shows the same one.
///
/// **Sealed means sealed.** Finalising or deleting a record *seals* it: the change lists every change of the
/// record its author had seen (``Change/sealed``). Once a record's status is final or deleted, a write is
/// effective only if the seal holds it, or it is a resolution whose author had seen every sealing change
/// (a resolution lists what it saw in ``Change/sealed`` too). Any other write *raced* the seal: it is kept
/// as a version of its field, shown beside the sealed value, never provisional, and it cannot supersede a
/// sealed version. A raced write to a field the sealed record never had faces a placeholder for that
/// absence (``FieldVersion/init(absenceSealedBy:)``). Either way the field is a conflict for a supervisor,
/// never a silent change to a final record. This holds for resolutions too: one made without seeing the
/// finalisation is raced like an edit, so the result does not depend on the order changes arrive in.
///
/// **Rules across fields** (``VisitConsistency``) are checked on the merged provisional values: fields taking
/// part in a broken rule are marked in conflict (``FieldRegister/brokenRule``).
///
/// **Determinism.** The state is a function of the *set* of changes applied: ``apply(_:)`` is idempotent and
/// every derived value is recomputed from the full set, so any order and any repetition give equal states.
public struct RecordState: Sendable, Equatable {
    public let recordID: String
    public private(set) var recordType: RecordType
    public private(set) var caseID: String
    /// The change that created the record (the least, should there be several), once it has arrived.
    public internal(set) var creation: Change.Summary?
    /// The latest change by HLC.
    public internal(set) var lastChange: Change.Summary?
    /// Every change applied, by id.
    public internal(set) var changeIDs: Set<ChangeID> = []

    /// Every version of every field ever written, by field and version id.
    var versions: [String: [ChangeID: FieldVersion]] = [:]
    /// Seals of changes that write a terminal status, by change id.
    var seals: [ChangeID: Set<ChangeID>] = [:]
    /// What each resolution had seen of the record, by change id: a resolution is effective on a sealed
    /// record only if it had seen every sealing change.
    var resolutionSightings: [ChangeID: Set<ChangeID>] = [:]
    /// Versions whose value was left out of the kept state (``KeptMergeState``): they were not current when
    /// it was saved. Their place in the merge is known (id, clock, kind, what they supersede); their text is
    /// in the change log only.
    var valuesLeftOut: [String: Set<ChangeID>] = [:]

    /// The merged fields, by name.
    public private(set) var fields: [String: FieldRegister] = [:]

    /// Whether a version whose value the kept state left out has become current again: a seal arrived that
    /// its superseding write had not seen, so that write no longer counts. The merge is then redone from the
    /// change log (``StoredRecord``); it is rare, and only a state read back from the store can need it.
    public private(set) var needsReplay = false

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
        insert(first)
        while let next = iterator.next() { insert(next) }
        recompute()
    }

    // MARK: - Reading

    /// The status (draft, final, deleted) as provisionally merged; `nil` for cases.
    public var status: RecordStatus? {
        fields[RecordSchema.statusField]?.value.flatMap(RecordStatus.init(rawValue:))
    }

    /// Whether a current status version makes the record final or deleted: its content is sealed.
    public var isSealed: Bool {
        fields[RecordSchema.statusField]?.current.contains {
            $0.value.flatMap(RecordStatus.init(rawValue:))?.isTerminal == true
        } ?? false
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
        if insert(change) { recompute() }
    }

    /// Adds changes to the set and recomputes the derived state once: merging a batch costs the batch and the
    /// record's current registers, not one recomputation per change. (It recomputes even if every change was
    /// applied already: a kept state read without merging relies on it.)
    public mutating func apply<Changes: Sequence>(contentsOf changes: Changes) where Changes.Element == Change {
        for change in changes { insert(change) }
        recompute()
    }

    /// Adds a change's versions, seal and summaries without recomputing; `false` if it was already applied
    /// or belongs to another record.
    @discardableResult
    private mutating func insert(_ change: Change) -> Bool {
        guard change.recordID == recordID, changeIDs.insert(change.id).inserted else { return false }
        for write in change.writes {
            versions[write.field, default: [:]][change.id] = FieldVersion(change: change, write: write)
        }
        if let status = change.write(to: RecordSchema.statusField)?.value,
           RecordStatus(rawValue: status)?.isTerminal == true {
            seals[change.id] = Set(change.sealed).union([change.id])
        }
        if change.kind == .resolve { resolutionSightings[change.id] = Set(change.sealed) }
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
        return true
    }

    mutating func recompute() {
        var merged: [String: FieldRegister] = [:]
        let statusField = RecordSchema.statusField
        if let statusVersions = versions[statusField] {
            merged[statusField] = Self.register(statusVersions, isEffective: { _ in true }, absence: nil)
        }
        // The seal is the union over the current versions that make the record final or deleted.
        let sealing = (merged[statusField]?.current ?? []).filter {
            $0.value.flatMap(RecordStatus.init(rawValue:))?.isTerminal == true
        }
        var sealed: Set<ChangeID> = []
        for version in sealing { sealed.formUnion(seals[version.change] ?? [version.change]) }
        let sealingIDs = Set(sealing.map(\.change))
        let frozen = !sealing.isEmpty
        let isEffective: (FieldVersion) -> Bool = { [resolutionSightings] version in
            guard frozen, !sealed.contains(version.change) else { return true }
            return version.kind == .resolve && sealingIDs.isSubset(of: resolutionSightings[version.change] ?? [])
        }
        let absence = sealing.first.map(FieldVersion.init(absenceSealedBy:))
        for (field, fieldVersions) in versions where field != statusField {
            merged[field] = Self.register(fieldVersions, isEffective: isEffective, absence: frozen ? absence : nil)
        }
        if recordType == .visit {
            let values = merged.compactMapValues(\.value)
            for violation in VisitConsistency.violations(values) {
                for field in violation.fields where merged[field]?.brokenRule == nil {
                    merged[field]?.brokenRule = violation.message
                }
            }
        }
        fields = merged
        needsReplay = !valuesLeftOut.isEmpty && merged.contains { field, register in
            guard let leftOut = valuesLeftOut[field] else { return false }
            return register.current.contains { leftOut.contains($0.change) }
        }
    }

    /// Current versions of one field: those not superseded by an effective write. A raced write may still
    /// supersede other raced versions (its own device's earlier raced edits), but never settled ones, and
    /// it is never provisional: settled versions come first, then raced ones. When raced versions
    /// remain and no settled one does, `absence` (the sealed record's lack of a value) heads the list.
    private static func register(_ all: [ChangeID: FieldVersion],
                                 isEffective: (FieldVersion) -> Bool,
                                 absence: FieldVersion?) -> FieldRegister {
        var superseded: Set<ChangeID> = []
        var raced: Set<ChangeID> = []
        for version in all.values where !isEffective(version) { raced.insert(version.change) }
        for version in all.values {
            if raced.contains(version.change) {
                superseded.formUnion(version.supersedes.filter { raced.contains($0) })
            } else {
                superseded.formUnion(version.supersedes)
            }
        }
        var current = all.values.filter { !superseded.contains($0.change) }
        // Only a forged cycle of supersession can leave nothing current; keep every version visible then.
        if current.isEmpty { current = Array(all.values) }
        var settled = current.filter { !raced.contains($0.change) }.sorted(by: precedes)
        let late = current.filter { raced.contains($0.change) }.sorted(by: precedes)
        if settled.isEmpty, !late.isEmpty, let absence { settled = [absence] }
        return FieldRegister(current: settled + late, settledCount: settled.count)
    }

    /// The total order that picks the provisional value: HLC, then change id, greatest first.
    private static func precedes(_ a: FieldVersion, _ b: FieldVersion) -> Bool {
        (a.hlc, a.change) > (b.hlc, b.change)
    }
}

extension Change {
    /// Who made a change, where and when: what a record keeps of its creating and latest changes.
    public struct Summary: Sendable, Hashable {
        public let id: ChangeID
        public let hlc: HLC
        public let author: String
        public let recordedAt: String

        init(id: ChangeID, hlc: HLC, author: String, recordedAt: String) {
            self.id = id
            self.hlc = hlc
            self.author = author
            self.recordedAt = recordedAt
        }

        public init(_ change: Change) {
            id = change.id
            hlc = change.hlc
            author = change.author
            recordedAt = change.recordedAt
        }
    }
}
