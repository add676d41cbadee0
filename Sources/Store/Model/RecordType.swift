/// The kinds of record a store holds.
public enum RecordType: String, Sendable, Codable, CaseIterable {
    /// A child's case: identity, category, allocated worker and key dates. Its id is the local child id.
    case `case`
    /// A visit to the child: when it happened, whether the child was seen (and alone), and what was found.
    case visit
    /// A case note: anything recorded on the case that is not a visit.
    case note
    /// A dated correction of a final record, with its reason. Final as soon as it is saved.
    case amendment
    /// A supervisor's management oversight of a case: attributed, final as soon as it is saved.
    case oversight

    /// The fields a record of this type has, in display order.
    public var schema: RecordSchema { RecordSchema.of(self) }

    /// Whether the record has a draft/final life cycle (cases do not: their details stay editable).
    public var hasStatus: Bool { self != .case }

    /// Saved final at once: amendments and oversight entries are never drafts.
    public var isFinalOnSave: Bool { self == .amendment || self == .oversight }
}

/// A record's life-cycle state, stored in its `status` field.
public enum RecordStatus: String, Sendable, Codable, CaseIterable {
    case draft, final, deleted

    /// Final and deleted records accept no further edits; corrections are amendments.
    public var isTerminal: Bool { self != .draft }
}
