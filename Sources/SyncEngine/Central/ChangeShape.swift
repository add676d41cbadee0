import Store
import SyncProtocol

/// What a well-formed change of each kind writes (SPEC.md §6.1): the fields its record type has, each once,
/// and a status only where the kind sets one. A device's store builds changes this way; the peer checks
/// it of every pushed change before asking ``ChangePolicy`` who may make it.
enum ChangeShape {
    /// Why the change is malformed, or `nil`.
    static func problem(with change: Change) -> String? {
        let allowed = change.recordType.schema.storedNames
        if let stray = change.writes.first(where: { !allowed.contains($0.field) }) {
            return "\(change.recordType.rawValue) has no field \(stray.field)"
        }
        guard Set(change.writes.map(\.field)).count == change.writes.count else { return "it writes a field twice" }
        // Records other than cases have client-made UUIDs, so none can take the id of a case to come.
        if change.recordType != .case, !UUIDv7.isWellFormed(change.recordID) {
            return "record id \(change.recordID) is not a UUID"
        }
        let status = change.write(to: RecordSchema.statusField)?.value
        switch change.kind {
        case .create:
            let expected = change.recordType.isFinalOnSave ? RecordStatus.final : .draft
            if change.recordType != .case, status != expected.rawValue {
                return "a new \(change.recordType.rawValue) must have status \(expected.rawValue)"
            }
        case .edit:
            if status != nil { return "an edit cannot change a record's status" }
        case .finalise, .delete:
            let expected = change.kind == .finalise ? RecordStatus.final : .deleted
            guard status == expected.rawValue else { return "a \(change.kind.rawValue) must write status \(expected.rawValue)" }
            let fields: Set<String> = change.kind == .finalise ? [RecordSchema.statusField] : [RecordSchema.statusField, RecordSchema.deleteReasonField]
            if let stray = change.writes.first(where: { !fields.contains($0.field) }) { return "a \(change.kind.rawValue) cannot write \(stray.field)" }
        case .resolve:
            if change.writes.count != 1 { return "a resolution writes exactly one field" }
        }
        return nil
    }
}
