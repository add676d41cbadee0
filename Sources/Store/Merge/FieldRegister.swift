/// The merged state of one field: a multi-value register.
///
/// `current` holds every version no effective version supersedes, provisional first. It is in **conflict**
/// when its current versions disagree, or when the merged record breaks a rule spanning fields
/// (``VisitConsistency``); a conflict is kept until a resolution (or, for a broken rule, an edit) settles it.
///
/// On a final or deleted record, versions written by changes the sealing change never saw (an edit that
/// raced the finalisation elsewhere) are **raced**: they stay in `current`, after the sealed versions, so a
/// supervisor sees them side by side; they are never provisional. When the sealed record had no value for
/// the field, a placeholder version with no value, attributed to the sealing change, stands for that
/// absence, so a late write to a field the record never had is a conflict too, not a silent addition.
public struct FieldRegister: Sendable, Equatable {
    /// Current versions, provisional first: the settled (sealed or ordinary) ones by descending precedence,
    /// then the raced ones by descending precedence. `keep=N` counts in this order.
    public let current: [FieldVersion]
    /// How many versions at the front of `current` are settled; the rest raced a finalisation or deletion.
    public let settledCount: Int
    /// The message of a rule spanning fields that the merged record breaks and this field takes part in.
    public internal(set) var brokenRule: String?

    init(current: [FieldVersion], settledCount: Int, brokenRule: String? = nil) {
        self.current = current
        self.settledCount = settledCount
        self.brokenRule = brokenRule
    }

    /// The version shown while the field is in conflict (or the only version when it is not).
    public var provisional: FieldVersion? { current.first }
    public var value: String? { provisional?.value ?? nil }

    /// Settled versions: on a final record, what was sealed.
    public var settled: ArraySlice<FieldVersion> { current.prefix(settledCount) }
    /// Versions written by edits that raced a finalisation or deletion: shown, never provisional.
    public var raced: ArraySlice<FieldVersion> { current.dropFirst(settledCount) }

    /// Two or more current versions disagree (including a raced version against the sealed value).
    public var hasSiblings: Bool {
        guard let first = current.first else { return false }
        return current.dropFirst().contains { $0.value != first.value }
    }

    /// The field needs a person: its versions disagree, or it takes part in a broken rule.
    public var isConflicted: Bool { hasSiblings || brokenRule != nil }
}
