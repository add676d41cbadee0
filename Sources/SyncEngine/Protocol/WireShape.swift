/// The bounds on a message's repeated fields, at every depth, checked on the protobuf wire format before the
/// message is parsed (SPEC.md §4 step 5, §7).
///
/// Why before: SwiftProtobuf materialises every element of a repeated field before any count can be looked
/// at, and an element costs far more in memory than on the wire. An empty `Change` is two bytes (`0a 00`), so
/// a 32 KiB body that inflates to the 32 MiB message limit holds 16.7 million of them, which took a peer to
/// 3.8 GB before its "at most 1000 changes" check ran. Counting elements while walking the wire format costs
/// no memory, so each list is held to its limit, and all of them together to
/// ``ProtocolLimits/maximumMessageElements``, before anything is built.
public final class WireShape: Sendable {
    /// One field of a message whose elements are counted or whose contents are bounded.
    public struct Field: Sendable {
        /// The field's name in the schema, for the refusal.
        let name: String
        /// At most this many elements per message: a repeated field. `nil` for a singular message field,
        /// which is only looked into (the protobuf rules merge its occurrences, so their lists add up).
        let limit: Int?
        /// What the refusal is when `limit` is passed: `too_large` for the lists a sender chooses the length
        /// of (a push's changes, a pull's cases), `malformed_message` for those bounded by the change format.
        let tooLarge: Bool
        /// The bounds of the field's own message type, if it has lists of its own.
        let shape: WireShape?

        public static func repeated(_ name: String, limit: Int, tooLarge: Bool = false, of shape: WireShape? = nil) -> Field {
            Field(name: name, limit: limit, tooLarge: tooLarge, shape: shape)
        }

        public static func singular(_ name: String, of shape: WireShape) -> Field {
            Field(name: name, limit: nil, tooLarge: false, shape: shape)
        }
    }

    /// What the message is called in refusals ("a push", "a change").
    let name: String
    let fields: [UInt64: Field]

    public init(_ name: String, _ fields: [UInt64: Field]) {
        self.name = name
        self.fields = fields
    }

    /// Checks `bytes`, a serialised message of this shape, without building it.
    ///
    /// - Throws: ``ProtocolError`` `too_large` or `malformed_message` naming the first bound passed, or
    ///   `malformed_message` if the bytes are not the protobuf wire format (groups, which proto3 never
    ///   writes, included).
    public func check(_ bytes: [UInt8], maximumElements: Int = ProtocolLimits.maximumMessageElements) throws(ProtocolError) {
        var elements = 0
        var counts: [UInt64: Int] = [:]
        try bytes.withUnsafeBufferPointer { (buffer: UnsafeBufferPointer<UInt8>) throws(ProtocolError) in
            var reader = WireReader(buffer: buffer, position: 0, end: buffer.count)
            try scan(&reader, counts: &counts, elements: &elements, maximumElements: maximumElements)
        }
    }

    /// Walks one message from `reader`'s position to its end. `counts` are this message's list lengths so
    /// far (shared by the occurrences of a singular field, whose lists the protobuf rules concatenate).
    private func scan(_ reader: inout WireReader, counts: inout [UInt64: Int], elements: inout Int,
                      maximumElements: Int) throws(ProtocolError) {
        var singularCounts: [UInt64: [UInt64: Int]] = [:]
        while reader.position < reader.end {
            let key = try reader.varint()
            let number = key >> 3
            guard number > 0 else { throw ProtocolError.malformedMessage("\(name) has a field numbered 0") }
            switch key & 7 {
            case 0: _ = try reader.varint()
            case 1: try reader.skip(8)
            case 5: try reader.skip(4)
            case 2:
                let length = try reader.varint()
                guard length <= UInt64(reader.end - reader.position) else {
                    throw ProtocolError.malformedMessage("\(name) has a field longer than the message")
                }
                let start = reader.position
                try reader.skip(Int(length))
                guard let field = fields[number] else { continue }
                if let limit = field.limit {
                    let count = counts[number, default: 0] + 1
                    guard count <= limit else {
                        let why = "\(name) has more than \(limit) \(field.name)"
                        throw field.tooLarge ? ProtocolError.tooLarge(why) : ProtocolError.malformedMessage(why)
                    }
                    counts[number] = count
                    elements += 1
                    guard elements <= maximumElements else {
                        throw ProtocolError.tooLarge("the message holds more than \(maximumElements) list elements in all")
                    }
                }
                guard let shape = field.shape else { continue }
                var inner = WireReader(buffer: reader.buffer, position: start, end: reader.position)
                if field.limit == nil {
                    try shape.scan(&inner, counts: &singularCounts[number, default: [:]], elements: &elements, maximumElements: maximumElements)
                } else {
                    var fresh: [UInt64: Int] = [:]
                    try shape.scan(&inner, counts: &fresh, elements: &elements, maximumElements: maximumElements)
                }
            default:
                throw ProtocolError.malformedMessage("\(name) uses a protobuf wire type (\(key & 7)) this protocol never sends")
            }
        }
    }
}

/// A cursor over protobuf wire-format bytes that never reads outside `position ..< end`.
private struct WireReader {
    let buffer: UnsafeBufferPointer<UInt8>
    var position: Int
    let end: Int

    mutating func varint() throws(ProtocolError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while position < end, shift < 64 {
            let byte = buffer[position]
            position += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
        throw ProtocolError.malformedMessage("the message has a truncated or overlong number")
    }

    mutating func skip(_ count: Int) throws(ProtocolError) {
        guard count <= end - position else { throw ProtocolError.malformedMessage("the message ends inside a field") }
        position += count
    }
}
