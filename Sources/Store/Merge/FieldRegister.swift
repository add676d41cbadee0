/// The merged state of one field: a multi-value register.
///
/// `current` holds every version no other (effective) version supersedes. One current version is the
/// ordinary case; several with different values is a **conflict**, kept until a resolution supersedes them
/// all. `provisional` is the value every replica shows meanwhile: the same everywhere, because it is chosen
/// by a total order on versions (see ``RecordState``).
public struct FieldRegister: Sendable, Equatable {
    /// Current versions, provisional first, then by descending precedence.
    public let current: [FieldVersion]

    /// The version shown while the field is in conflict (or the only version when it is not).
    public var provisional: FieldVersion? { current.first }
    public var value: String? { provisional?.value ?? nil }

    /// Two or more current versions disagree.
    public var isConflicted: Bool {
        guard let first = current.first else { return false }
        return current.dropFirst().contains { $0.value != first.value }
    }
}
