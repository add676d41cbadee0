/// A record as `show` presents it: its merged state, who created it, and the amendments that correct it.
public struct RecordSnapshot: Sendable {
    public let state: RecordState
    /// Amendments of this record, oldest first.
    public let amendments: [RecordState]

    /// Field values with every amendment applied in order: what the record says now.
    /// The original values remain in ``state``.
    public var effectiveValues: [String: String] {
        var values = state.values
        for amendment in amendments {
            for (field, value) in amendment.corrections {
                values[field] = value
            }
        }
        return values
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
