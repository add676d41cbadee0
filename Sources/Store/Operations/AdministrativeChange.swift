import Foundation

/// Changes the central peer makes itself: a case an administrator adds, a case given to another worker,
/// a visit or note copied out of quarantine to the case it belongs to.
///
/// The peer keeps no store of its own to make them with (its storage may be PostgreSQL): they are built
/// here from the merged state the storage holds, with the checks a device's store makes on the same input,
/// and enter the central log through the same intake as a pushed change.
public enum AdministrativeChange {
    /// The writes of a new case record: `values` by the case schema's keys (checked as the REPL checks
    /// them), and its worker, if allocated.
    public static func newCase(id: String, values: [(key: String, value: String)], worker: String?,
                               context: ValueContext) throws -> [FieldWrite] {
        guard CaseStore.isValidCaseID(id) else { throw StoreError.invalidCaseID(id) }
        let schema = RecordType.case.schema
        let given = try FieldInput(schema: schema, context: context)
            .normalise(values.filter { $0.key != "worker" } + [("worker", worker ?? "")])
        let present = Set(given.filter { $0.value != nil }.map(\.field.name))
        let missing = schema.fields.filter { $0.requiredOnCreate && !present.contains($0.name) }.map(\.key)
        if !missing.isEmpty { throw StoreError.missingFields(missing, type: schema.type) }
        return given.compactMap { spec, value in value.map { FieldWrite(field: spec.name, value: $0, supersedes: []) } }
    }

    /// The write that makes `worker` a case's worker: it replaces every current version, so a conflict
    /// between two earlier allocations is settled too.
    public static func worker(_ worker: String, of state: RecordState) -> [FieldWrite] {
        [FieldWrite(field: "worker", value: worker, supersedes: state.currentVersionIDs(of: "worker"))]
    }

    /// The writes of a copy of a new visit or note, as a draft: only the fields its type has.
    public static func copy(type: RecordType, fields: [String: String?]) throws -> [FieldWrite] {
        guard type == .visit || type == .note else {
            throw StoreError.notEditable(id: type.rawValue, reason: "only visits and notes can be copied to another case")
        }
        let allowed = Set(type.schema.fields.map(\.name)).subtracting([RecordSchema.statusField])
        let writes = fields.sorted { $0.key < $1.key }.compactMap { field, value -> FieldWrite? in
            guard allowed.contains(field), let value else { return nil }
            return FieldWrite(field: field, value: value, supersedes: [])
        }
        return writes + [FieldWrite(field: RecordSchema.statusField, value: RecordStatus.draft.rawValue, supersedes: [])]
    }

    /// A change by the peer's own device, next in its chain after `head`, with a clock later than the
    /// record's last change, checked by the one policy as the peer's administration (no role).
    ///
    /// - Throws: ``StoreError/notEditable(id:reason:)`` when ``ChangePolicy`` refuses it.
    public static func make(device: String, head: (seq: Int64, hash: String)?, record: RecordState?, now: Date,
                            author: String, recordID: String, type: RecordType, caseID: String, kind: ChangeKind,
                            writes: [FieldWrite]) throws -> Change {
        let milliseconds = Timestamp.milliseconds(now)
        let change = Change(
            id: ChangeID(deviceID: device, seq: (head?.seq ?? 0) + 1),
            hlc: HLC.next(after: record?.lastChange?.hlc ?? .zero, wallMilliseconds: milliseconds),
            recordedAt: Timestamp.iso8601(milliseconds: milliseconds), author: author,
            recordID: recordID, recordType: type, caseID: caseID, kind: kind, writes: writes, sealed: [],
            previousHash: head?.hash ?? Change.genesisHash)
        if let refusal = ChangePolicy.check(change, role: nil, access: .allocated, record: record, target: { _ in nil }) {
            throw StoreError.notEditable(id: recordID, reason: refusal.reason)
        }
        return change
    }
}
