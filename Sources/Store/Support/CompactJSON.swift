/// Writes the JSON the store keeps in its `writes`, `sealed` and `fields` columns: byte for byte what
/// `JSONEncoder` with sorted keys and unescaped slashes writes (``JSONCoding``), which a test holds it to,
/// at a fraction of the cost. Foundation's encoder was a third of the time of recording a visit.
enum CompactJSON {
    static func encode(_ writes: [FieldWrite]) -> String {
        var out: [UInt8] = [UInt8(ascii: "[")]
        out.reserveCapacity(writes.reduce(64) { $0 + ($1.value?.utf8.count ?? 0) + 48 })
        for (index, write) in writes.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: #"{"f":"#.utf8)
            append(write.field, to: &out)
            out.append(contentsOf: #","s":"#.utf8)
            append(write.supersedes, to: &out)
            if let value = write.value {
                out.append(contentsOf: #","v":"#.utf8)
                append(value, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "]"))
        return String(decoding: out, as: UTF8.self)
    }

    static func encode(_ ids: [ChangeID]) -> String {
        var out: [UInt8] = []
        append(ids, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// An object with its keys in `JSONEncoder`'s `.sortedKeys` order.
    static func encode(_ values: [String: String]) -> String {
        var out: [UInt8] = [UInt8(ascii: "{")]
        out.reserveCapacity(values.reduce(16) { $0 + $1.key.utf8.count + $1.value.utf8.count + 6 })
        for (index, key) in values.keys.sorted(by: sortedKeysOrder).enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            append(key, to: &out)
            out.append(UInt8(ascii: ":"))
            append(values[key] ?? "", to: &out)
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    /// `.sortedKeys` compares keys as Foundation does: by their UTF-16 code units for the ASCII field
    /// names the store uses, which is the same as comparing their bytes.
    private static func sortedKeysOrder(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }

    private static func append(_ ids: [ChangeID], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        for (index, id) in ids.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            append(id.description, to: &out)
        }
        out.append(UInt8(ascii: "]"))
    }

    private static let hex = Array("0123456789abcdef".utf8)

    /// A JSON string. Runs of bytes that need no escape (nearly all of a note's prose) are copied whole:
    /// appended byte by byte, a visit's 2 KB of text cost more than the rest of writing its change.
    static func append(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            var start = 0
            for index in 0..<bytes.count {
                let byte = bytes[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
                appendEscaped(byte, to: &out)
                start = index + 1
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func appendEscaped(_ byte: UInt8, to out: inout [UInt8]) {
        switch byte {
        case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
        case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
        case 0x08: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
        case 0x0C: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
        case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
        case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
        case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
        default:
            out.append(contentsOf: "\\u00".utf8)
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0xF)])
        }
    }
}
