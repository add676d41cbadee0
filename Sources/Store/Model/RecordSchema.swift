/// One field of a record type: its stored name, the key users type, and its kind.
public struct FieldSpec: Sendable, Equatable {
    /// The stored name: the column name in the SQL views.
    public let name: String
    /// The key used in REPL commands (`date=` for `occurred_at`, ...).
    public let key: String
    public let kind: FieldKind
    /// Must be given when the record is created.
    public let requiredOnCreate: Bool
    /// A sentence for `help` and guided entry.
    public let summary: String

    init(_ name: String, key: String? = nil, _ kind: FieldKind, required: Bool = false, _ summary: String) {
        self.name = name
        self.key = key ?? name
        self.kind = kind
        self.requiredOnCreate = required
        self.summary = summary
    }
}

/// The fields of a record type, and the closed lists of values some of them take.
public struct RecordSchema: Sendable {
    public let type: RecordType
    /// Content fields users write, in display order. `status` and `delete_reason` are written only by
    /// finalise, delete and resolve.
    public let fields: [FieldSpec]

    public static let categories = ["CIN", "CP", "CLA", "PF"]
    public static let visitTypes = ["statutory", "planned", "unannounced", "review", "other"]
    public static let aloneReasons = ["refused", "inappropriate", "unable"]
    public static let noteCategories = ["general", "phone", "meeting", "email", "letter", "direct-work", "other"]

    /// Fields the life cycle writes, present on every visit, note and amendment.
    public static let statusField = "status"
    public static let deleteReasonField = "delete_reason"

    static func of(_ type: RecordType) -> RecordSchema {
        switch type {
        case .case: return caseSchema
        case .visit: return visitSchema
        case .note: return noteSchema
        case .amendment: return amendmentSchema
        case .oversight: return oversightSchema
        }
    }

    /// The spec for a user key, accepting the stored name as well.
    public func field(forKey key: String) -> FieldSpec? {
        fields.first { $0.key == key } ?? fields.first { $0.name == key }
    }

    public var keys: [String] { fields.map(\.key) }

    /// The key a user types for a stored field name (`seen_alone` → `alone`); the name itself if none.
    public func key(forField name: String) -> String {
        fields.first { $0.name == name }?.key ?? name
    }

    /// Every field name the merge may see for this type, life-cycle fields included.
    public var storedNames: Set<String> {
        var names = Set(fields.map(\.name))
        if type.hasStatus { names.formUnion([Self.statusField, Self.deleteReasonField]) }
        return names
    }

    private static let caseSchema = RecordSchema(type: .case, fields: [
        FieldSpec("child_name", key: "child", .text, required: true, "the child's name"),
        FieldSpec("dob", .day, required: true, "date of birth"),
        FieldSpec("category", .choice(categories), required: true,
                  "CIN (child in need), CP (child protection), CLA (looked after) or PF (private fostering)"),
        FieldSpec("worker", .text, "the allocated social worker"),
        FieldSpec("placement_start", .day, "start of the current placement (CLA)"),
        FieldSpec("plan_start", .day, "start of the current plan (CP, CIN) or notification date (PF)"),
        FieldSpec("long_term", .yesNo, "CLA: the placement is intended to last until 18 (visits 3-monthly after its first year)"),
    ])

    private static let visitSchema = RecordSchema(type: .visit, fields: [
        FieldSpec("occurred_at", key: "date", .occurrence, required: true, "when the visit happened"),
        FieldSpec("type", .choice(visitTypes), required: true, "the kind of visit"),
        FieldSpec("seen", .yesNo, "whether the child was seen"),
        FieldSpec("seen_alone", key: "alone", .yesNo, "whether the child was seen alone"),
        FieldSpec("alone_reason", .choice(aloneReasons), "why the child was not seen alone"),
        FieldSpec("bedroom_seen", key: "bedroom", .yesNo, "whether the child's bedroom was seen"),
        FieldSpec("present", .text, "who else was present"),
        FieldSpec("location", .text, "where the visit took place"),
        FieldSpec("wishes", .text, "the child's wishes and feelings, in their own words"),
        FieldSpec("observations", .text, "what the worker observed"),
        FieldSpec("analysis", .text, "the worker's analysis"),
        FieldSpec("actions", .text, "actions agreed"),
    ])

    private static let noteSchema = RecordSchema(type: .note, fields: [
        FieldSpec("category", .choice(noteCategories), "what kind of note (default general)"),
        FieldSpec("occurred_at", key: "date", .occurrence, "when it happened (default: now)"),
        FieldSpec("body", .text, required: true, "the note itself"),
    ])

    private static let oversightSchema = RecordSchema(type: .oversight, fields: [
        FieldSpec("body", .text, required: true, "the supervisor's oversight: decisions, directions, reflection"),
    ])

    private static let amendmentSchema = RecordSchema(type: .amendment, fields: [
        FieldSpec("target_id", .reference, required: true, "the final record being corrected"),
        FieldSpec("reason", .text, required: true, "why the correction is needed"),
        FieldSpec("corrected", .text, required: true, "the corrected values, a JSON object field → value"),
    ])
}
