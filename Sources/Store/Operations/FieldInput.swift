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

    /// Cross-field rules for a visit, checked on the values the record would have after the write.
    static func checkVisit(_ values: [String: String]) throws {
        if values["seen"] == "no", values["seen_alone"] == "yes" {
            throw StoreError.inconsistent("alone=yes contradicts seen=no: a child not seen cannot be seen alone")
        }
        if values["seen"] == "no", values["alone_reason"] != nil {
            throw StoreError.inconsistent("alone_reason is for a child seen but not alone; it cannot go with seen=no")
        }
        if values["seen_alone"] == "yes", values["alone_reason"] != nil {
            throw StoreError.inconsistent("alone_reason is for a child not seen alone; it cannot go with alone=yes")
        }
    }
}
