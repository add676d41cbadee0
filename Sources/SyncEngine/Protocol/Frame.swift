/// The envelope of every request and response body (SPEC.md §4):
///
/// ```
/// offset 0  "FB"               magic
///        2  u8 version = 1
///        3  u8 flags           bit 0: payload is a zlib stream; bit 1: compressed with the preset dictionary
///        4  u32 big-endian     length of the message after inflation
///        8  payload            the protobuf message, compressed or not
/// ```
/// The declared length is checked against ``ProtocolLimits/maximumMessageBytes`` before anything is
/// inflated, and inflation stops at the declared length, so no input can make a peer allocate more.
public enum Frame {
    public static let headerBytes = 8
    /// The `Content-Type` of a request or answer body that is one frame (SPEC.md §2, "Content type").
    public static let contentType = "application/x-fieldbook-frame"
    static let compressedFlag: UInt8 = 1
    static let dictionaryFlag: UInt8 = 2

    /// Wraps a serialised message, compressed with zlib (and the preset dictionary when `useDictionary`).
    public static func encode(_ message: [UInt8], compress: Bool = true, useDictionary: Bool = true) throws -> [UInt8] {
        var flags: UInt8 = 0
        var payload = message
        if compress {
            flags |= compressedFlag
            if useDictionary { flags |= dictionaryFlag }
            payload = try Zlib.compress(message, level: 6, dictionary: useDictionary ? PresetDictionary.v1 : [])
        }
        var out: [UInt8] = [0x46, 0x42, 1, flags]
        let length = UInt32(message.count)
        out += [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)]
        return out + payload
    }

    /// The message length a body's frame header declares, or `nil` if the body is too short to have one.
    /// Read before the body is decoded, to weigh what decoding it will cost.
    public static func declaredLength(_ body: [UInt8]) -> Int? {
        guard body.count >= headerBytes else { return nil }
        return Int(body[4]) << 24 | Int(body[5]) << 16 | Int(body[6]) << 8 | Int(body[7])
    }

    /// Unwraps a body, enforcing every limit; the message may be at most `maximumMessageBytes` after
    /// inflation (the protocol's limit, or an endpoint's smaller one). Throws ``ProtocolError`` (HTTP 400 or 413).
    public static func decode(_ body: [UInt8], maximumMessageBytes: Int = ProtocolLimits.maximumMessageBytes) throws -> [UInt8] {
        guard body.count <= ProtocolLimits.maximumBodyBytes else {
            throw ProtocolError.tooLarge("the body is \(body.count) bytes; the limit is \(ProtocolLimits.maximumBodyBytes)")
        }
        guard body.count >= headerBytes else { throw ProtocolError.malformedFrame("the body is shorter than the 8-byte frame header") }
        guard body[0] == 0x46, body[1] == 0x42 else { throw ProtocolError.malformedFrame("the body does not start with the frame magic \"FB\"") }
        guard body[2] == 1 else { throw ProtocolError.malformedFrame("frame version \(body[2]) is not supported (1 is)") }
        let flags = body[3]
        guard flags & ~(compressedFlag | dictionaryFlag) == 0 else { throw ProtocolError.malformedFrame("unknown frame flags \(flags)") }
        let declared = declaredLength(body) ?? 0
        let limit = min(maximumMessageBytes, ProtocolLimits.maximumMessageBytes)
        guard declared <= limit else {
            throw ProtocolError.tooLarge("the message declares \(declared) bytes; the limit is \(limit)")
        }
        let payload = Array(body[headerBytes...])
        guard flags & compressedFlag != 0 else {
            guard payload.count == declared else { throw ProtocolError.malformedFrame("the payload is \(payload.count) bytes, the header says \(declared)") }
            return payload
        }
        let message: [UInt8]
        do {
            message = try Zlib.decompress(payload, maximumSize: declared,
                                          dictionary: flags & dictionaryFlag != 0 ? PresetDictionary.v1 : [])
        } catch ZlibError.tooLarge {
            throw ProtocolError.tooLarge("the payload inflates to more than the \(declared) bytes its header declares")
        } catch {
            throw ProtocolError.malformedFrame("\(error)")
        }
        guard message.count == declared else {
            throw ProtocolError.malformedFrame("the payload inflates to \(message.count) bytes, the header says \(declared)")
        }
        return message
    }
}
