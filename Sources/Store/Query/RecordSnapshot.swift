internal import GRDB

/// A record as `show` presents it: its merged state, who created it, and the amendments that correct it.
///
/// Amendments of one field form a register like any field: an amendment replaces the corrections of the
/// amendments its author had seen (its `corrected` write lists them), and two that did not see each other
/// both stay current, a **conflict** that a later amendment made after seeing both settles. The value shown
/// meanwhile is the latest by HLC (then change id), never the device's wall clock, so a correction made on
/// a laptop whose clock is slow is not hidden behind an older one.
public struct RecordSnapshot: Sendable {
    public let state: RecordState
    /// Amendments of this record, oldest first by HLC.
    public let amendments: [RecordState]
    /// Each corrected field's current amendments, latest first: the value shown comes from the first.
    public let amendedFields: [String: [RecordState]]

    package init(state: RecordState, amendments: [RecordState]) {
        self.state = state
        self.amendments = amendments.sorted { Self.order($0) < Self.order($1) }
        var byField: [String: [RecordState]] = [:]
        for amendment in self.amendments {
            for (field, _) in amendment.corrections { byField[field, default: []].append(amendment) }
        }
        var current: [String: [RecordState]] = [:]
        for (field, candidates) in byField {
            let replaced = Set(candidates.flatMap { $0.fields["corrected"]?.provisional?.supersedes ?? [] })
            current[field] = candidates.filter { amendment in
                amendment.creation.map { !replaced.contains($0.id) } ?? true
            }.reversed()
        }
        amendedFields = current
    }

    /// The record's snapshot from the store: its amendments are the records whose `target_id` names it.
    static func load(_ record: RecordState, _ db: Database) throws -> RecordSnapshot {
        let amendmentIDs = try String.fetchAll(db, sql: """
            SELECT id FROM record WHERE type = 'amendment' AND json_extract(fields, '$.target_id') = ? ORDER BY id
            """, arguments: [record.recordID])
        let amendments = try amendmentIDs.compactMap { try StoredRecord.state(of: $0, db) }
        return RecordSnapshot(state: record, amendments: amendments)
    }

    private static func order(_ amendment: RecordState) -> (HLC, ChangeID, String) {
        (amendment.creation?.hlc ?? .zero, amendment.creation?.id ?? ChangeID(deviceID: "", seq: 0), amendment.recordID)
    }

    /// Field values with the current amendments applied: what the record says now.
    /// The original values remain in ``state``.
    public var effectiveValues: [String: String] {
        var values = state.values
        for (field, current) in amendedFields {
            guard let latest = current.first else { continue }
            values[field] = latest.correction(of: field) ?? nil
        }
        return values
    }

    /// Fields corrected by amendments that did not see each other and disagree, with those amendments
    /// (latest first), sorted by field.
    public var amendmentConflicts: [(field: String, amendments: [RecordState])] {
        amendedFields.keys.sorted().compactMap { field in
            guard let current = amendedFields[field], let first = current.first else { return nil }
            let value = first.correction(of: field)
            return current.dropFirst().contains { $0.correction(of: field) != value } ? (field, current) : nil
        }
    }
}

extension RecordState {
    /// For an amendment: the corrected values it carries (field → new value, `nil` to clear).
    public var corrections: [(field: String, value: String?)] {
        guard recordType == .amendment, let text = value("corrected"),
              let decoded = try? JSONCoding.decode([String: String?].self, from: text)
        else { return [] }
        return decoded.keys.sorted().map { ($0, decoded[$0] ?? nil) }
    }

    /// For an amendment: the value it gives `field`, `.some(nil)` if it clears it, `nil` if it does not
    /// correct it.
    public func correction(of field: String) -> String?? {
        corrections.first { $0.field == field }.map { $0.value }
    }
}

/// One entry of a case's chronology.
public struct ChronologyEntry: Sendable, Equatable {
    public let recordID: String
    public let type: RecordType
    /// When it happened (visits, notes) or was recorded (amendments).
    public let occurredAt: String
    public let recordedAt: String?
    public let author: String?
    public let status: String?
    /// A one-line summary: visit type and whether seen, the start of a note, an amendment's reason.
    public let summary: String
}
