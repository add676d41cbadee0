/// Turning `key=value` pairs typed by a user into checked field writes.
struct FieldInput {
    let schema: RecordSchema
    let context: ValueContext

    /// Checks every key and value; returns stored field name → value (`nil` to clear), in key order given.
    ///
    /// - Throws: ``StoreError/unknownKey(_:type:valid:)`` or ``StoreError/invalidValue(key:value:expected:)``
    ///   naming the first bad pair.
    func normalise(_ pairs: [(key: String, value: String)]) throws -> [(field: FieldSpec, value: String?)] {
        var result: [(FieldSpec, String?)] = []
        var seen: Set<String> = []
        for (key, value) in pairs {
            guard let spec = schema.field(forKey: key) else {
                throw StoreError.unknownKey(key, type: schema.type, valid: schema.keys)
            }
            guard seen.insert(spec.name).inserted else {
                throw StoreError.inconsistent("\(key) is given twice")
            }
            guard value.utf8.count <= FieldInput.maximumValueBytes else {
                throw StoreError.invalidValue(key: key, value: String(value.prefix(20)) + "...",
                                              expected: "at most \(FieldInput.maximumValueBytes / 1024) KiB of text")
            }
            guard let normalised = spec.kind.normalise(value, context: context) else {
                throw StoreError.invalidValue(key: key, value: value, expected: spec.kind.expectation)
            }
            result.append((spec, normalised))
        }
        return result
    }

    static func checkLength(_ value: String, key: String) throws {
        guard value.utf8.count <= maximumValueBytes else {
            throw StoreError.invalidValue(key: key, value: String(value.prefix(20)) + "...",
                                          expected: "at most \(maximumValueBytes / 1024) KiB of text")
        }
    }

    /// The largest value one field may hold: a long visit write-up fits many times over.
    static let maximumValueBytes = 64 * 1024

    /// Cross-field rules for a visit (``VisitConsistency``), checked on the values the record would have
    /// after the write.
    static func checkVisit(_ values: [String: String]) throws {
        if let broken = VisitConsistency.violations(values).first { throw StoreError.inconsistent(broken.message) }
    }
}
