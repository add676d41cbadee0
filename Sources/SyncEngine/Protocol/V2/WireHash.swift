import Store

/// Change hashes as 32 raw bytes on the v2 wire (SPEC.md §12.3).
///
/// Changes carry their hashes as 64 lowercase hexadecimal digits, and the previous hash is part of what is
/// hashed, so the v2 form must give back exactly those characters. Every hash a valid change has is of that
/// form (SHA-256 printed by `Hex`, or the genesis hash of 64 zeros); any other text is sent verbatim in the
/// message's text field instead, so nothing hashed is ever altered.
package enum WireHash {
    package static let byteCount = 32

    /// The 32 bytes whose lowercase hex is exactly `text`, or `nil`.
    package static func bytes(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count == 2 * byteCount else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(byteCount)
        var index = 0
        while index < digits.count {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    /// Only lowercase digits: an uppercase hash is a different string, and does not match (SPEC.md §5.4).
    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case 0x30...0x39: return digit - 0x30
        case 0x61...0x66: return digit - 0x61 + 10
        default: return nil
        }
    }

    /// The hex form of a hash received on the wire.
    ///
    /// - Throws: ``ProtocolError`` `malformed_message` unless `bytes` is exactly 32 bytes.
    package static func text(_ bytes: [UInt8], _ what: String) throws(ProtocolError) -> String {
        guard bytes.count == byteCount else {
            throw ProtocolError.malformedMessage("\(what) is \(bytes.count) bytes; a hash is exactly \(byteCount)")
        }
        return Hex.encode(bytes)
    }

    /// 32 zero bytes: the genesis hash (SPEC.md §5.2).
    package static let genesis = [UInt8](repeating: 0, count: byteCount)
}
