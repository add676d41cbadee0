import Foundation

/// Time-ordered UUIDs (RFC 9562 version 7) for client-generated record ids: unique without coordination,
/// and sorting roughly by creation time.
public enum UUIDv7 {
    public static func make(at date: Date) -> String {
        var generator = SystemRandomNumberGenerator()
        return make(milliseconds: UInt64(max(0, Timestamp.milliseconds(date))), using: &generator)
    }

    public static func make<G: RandomNumberGenerator>(milliseconds: UInt64, using generator: inout G) -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<6 { bytes[i] = UInt8(truncatingIfNeeded: milliseconds >> (8 * (5 - i))) }
        for i in 6..<16 { bytes[i] = generator.next() }
        bytes[6] = (bytes[6] & 0x0F) | 0x70  // version 7
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // RFC 4122 variant
        let hex = Hex.encode(bytes)
        let parts = [hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4),
                     hex.dropFirst(16).prefix(4), hex.dropFirst(20)]
        return parts.joined(separator: "-")
    }

    /// Whether `text` has a UUID's form, 8-4-4-4-12 lowercase hex digits: the form of every record id other
    /// than a case's. Case ids may not have it, so a record can never take the id of a case still to come.
    public static func isWellFormed(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 36 else { return false }
        for (index, byte) in bytes.enumerated() {
            if [8, 13, 18, 23].contains(index) {
                guard byte == UInt8(ascii: "-") else { return false }
            } else {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte) else { return false }
            }
        }
        return true
    }
}
