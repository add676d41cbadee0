/// One version of one field: the value a change wrote, with who wrote it and when.
public struct FieldVersion: Sendable, Hashable, Codable {
    /// The change that wrote this version; it doubles as the version's id.
    public let change: ChangeID
    public let value: String?
    public let hlc: HLC
    public let author: String
    public let recordedAt: String
    public let kind: ChangeKind
    /// The versions this one replaces.
    public let supersedes: [ChangeID]

    init(change: ChangeID, value: String?, hlc: HLC, author: String, recordedAt: String, kind: ChangeKind,
         supersedes: [ChangeID]) {
        self.change = change
        self.value = value
        self.hlc = hlc
        self.author = author
        self.recordedAt = recordedAt
        self.kind = kind
        self.supersedes = supersedes
    }

    init(change: Change, write: FieldWrite) {
        self.change = change.id
        self.value = write.value
        self.hlc = change.hlc
        self.author = change.author
        self.recordedAt = change.recordedAt
        self.kind = change.kind
        self.supersedes = write.supersedes
    }

    enum CodingKeys: String, CodingKey {
        case change = "version", value, hlc, author, recordedAt = "recorded_at", kind, supersedes
    }
}

extension HLC: Codable {
    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(Int64.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

extension FieldVersion {
    /// The "no value" a final record had for a field when it was sealed, attributed to the sealing change
    /// (`sealing` is that change's status version). Stands beside raced writes to a field the sealed record
    /// never had, so they show as a conflict.
    init(absenceSealedBy sealing: FieldVersion) {
        self.init(sealing, value: nil, supersedes: [])
    }

    /// The same version carrying another value: an amendment's correction of one field, shown as a version
    /// of that field when amendments conflict.
    init(_ base: FieldVersion, value: String?, supersedes: [ChangeID]? = nil) {
        self.change = base.change
        self.value = value
        self.hlc = base.hlc
        self.author = base.author
        self.recordedAt = base.recordedAt
        self.kind = base.kind
        self.supersedes = supersedes ?? base.supersedes
    }
}
