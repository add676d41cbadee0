/// Reads back the JSON ``CompactJSON`` writes in the change log's `writes` and `sealed` columns, at a fraction of
/// `JSONDecoder`'s cost: the central peer decodes every change it serves from these columns, and `JSONDecoder`
/// was the largest part of reading a change.
///
/// It reads exactly that shape (an array of `{"f":…,"s":[…],"v":…}` objects with the keys in that order, or an
/// array of change ids) and answers `nil` for anything else, whereupon the caller decodes with `JSONDecoder`, so
/// a column written by another JSON writer is read as before. `CompactJSONTests` holds it to `JSONDecoder`.
enum CompactJSONReader {
    static func writes(_ text: String) -> [FieldWrite]? {
        var text = text
        return text.withUTF8 { bytes in
            var reader = Cursor(bytes)
            guard reader.take(UInt8(ascii: "[")) else { return nil }
            var writes: [FieldWrite] = []
            if reader.take(UInt8(ascii: "]")) { return reader.atEnd ? writes : nil }
            repeat {
                guard reader.take(#"{"f":"#), let field = reader.string(), reader.take(#","s":"#),
                      let supersedes = reader.ids() else { return nil }
                var value: String?
                if reader.take(#","v":"#) {
                    if !reader.take("null") {
                        guard let text = reader.string() else { return nil }
                        value = text
                    }
                }
                guard reader.take(UInt8(ascii: "}")) else { return nil }
                writes.append(FieldWrite(field: field, value: value, supersedesAsStored: supersedes))
            } while reader.take(UInt8(ascii: ","))
            guard reader.take(UInt8(ascii: "]")), reader.atEnd else { return nil }
            return writes
        }
    }

    static func ids(_ text: String) -> [ChangeID]? {
        var text = text
        return text.withUTF8 { bytes in
            var reader = Cursor(bytes)
            guard let ids = reader.ids(), reader.atEnd else { return nil }
            return ids
        }
    }

    private struct Cursor {
        let bytes: UnsafeBufferPointer<UInt8>
        var offset = 0

        init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        var atEnd: Bool { offset == bytes.count }

        mutating func take(_ byte: UInt8) -> Bool {
            guard offset < bytes.count, bytes[offset] == byte else { return false }
            offset += 1
            return true
        }

        mutating func take(_ literal: StaticString) -> Bool {
            let count = literal.utf8CodeUnitCount
            guard bytes.count - offset >= count else { return false }
            for index in 0..<count where bytes[offset + index] != literal.utf8Start[index] { return false }
            offset += count
            return true
        }

        /// `["DEVICE:SEQ",…]`
        mutating func ids() -> [ChangeID]? {
            guard take(UInt8(ascii: "[")) else { return nil }
            var ids: [ChangeID] = []
            if take(UInt8(ascii: "]")) { return ids }
            repeat {
                guard let text = string(), let id = ChangeID(text) else { return nil }
                ids.append(id)
            } while take(UInt8(ascii: ","))
            return take(UInt8(ascii: "]")) ? ids : nil
        }

        /// A JSON string: runs without escapes are copied whole; `\uXXXX` outside the surrogates is read, a
        /// surrogate pair or anything unusual answers `nil` (the caller's `JSONDecoder` then reads it).
        mutating func string() -> String? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            var out: [UInt8] = []
            var start = offset
            while offset < bytes.count {
                let byte = bytes[offset]
                if byte == UInt8(ascii: "\"") {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<offset]))
                    offset += 1
                    return String(validating: out, as: UTF8.self)
                }
                if byte < 0x20 { return nil }
                guard byte == UInt8(ascii: "\\") else {
                    offset += 1
                    continue
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<offset]))
                guard offset + 1 < bytes.count else { return nil }
                let escaped = bytes[offset + 1]
                offset += 2
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escaped)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    guard offset + 4 <= bytes.count, let code = UInt32(String(decoding: UnsafeBufferPointer(rebasing: bytes[offset..<offset + 4]), as: UTF8.self), radix: 16),
                          let scalar = Unicode.Scalar(code) else { return nil }
                    out.append(contentsOf: String(Character(scalar)).utf8)
                    offset += 4
                default: return nil
                }
                start = offset
            }
            return nil
        }
    }
}
