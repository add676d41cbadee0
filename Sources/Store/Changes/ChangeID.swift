/// The identity of a change: the device that made it and that device's sequence number.
///
/// A change writes each field at most once, so a change id also names the *version* of every field it
/// wrote. Supersession lists ("this write replaces the versions I could see") are lists of change ids.
public struct ChangeID: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The device that recorded the change (a UUID string, fixed when the store was created).
    public let deviceID: String
    /// The change's position in its device's hash chain, starting at 1.
    public let seq: Int64

    public init(deviceID: String, seq: Int64) {
        self.deviceID = deviceID
        self.seq = seq
    }

    /// Parses the `DEVICE:SEQ` form used in JSON columns and in `history` output.
    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"),
              let seq = Int64(text[text.index(after: colon)...]), seq > 0
        else { return nil }
        let device = String(text[..<colon])
        guard !device.isEmpty else { return nil }
        self.init(deviceID: device, seq: seq)
    }

    public var description: String { "\(deviceID):\(seq)" }

    /// A short form for tables: the first 8 characters of the device id and the sequence number.
    public var short: String { "\(deviceID.prefix(8)):\(seq)" }

    public static func < (lhs: ChangeID, rhs: ChangeID) -> Bool {
        (lhs.deviceID, lhs.seq) < (rhs.deviceID, rhs.seq)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = ChangeID(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "not a change id: \(text)"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
