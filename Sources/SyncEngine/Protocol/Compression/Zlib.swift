import CZlib

/// Why compressed bytes were refused.
public enum ZlibError: Error, Equatable, CustomStringConvertible {
    /// The data inflates to more than the caller's limit; inflation stopped at the limit.
    case tooLarge(limit: Int)
    /// The data is not a complete zlib stream.
    case truncated
    /// zlib rejected the data (bad header, checksum, or a dictionary mismatch).
    case corrupt(String)
    /// zlib could not start (out of memory).
    case unavailable(Int32)

    public var description: String {
        switch self {
        case .tooLarge(let limit): return "the body inflates to more than \(limit) bytes"
        case .truncated: return "the compressed body ends early"
        case .corrupt(let message): return "the compressed body is corrupt: \(message)"
        case .unavailable(let code): return "zlib could not start (code \(code))"
        }
    }
}

/// zlib streams (RFC 1950) through the system libz, with inflation bounded before memory is committed.
public enum Zlib {
    /// Compresses `input` at `level` (0–9), optionally with a preset dictionary.
    public static func compress(_ input: [UInt8], level: Int32 = 6, dictionary: [UInt8] = []) throws -> [UInt8] {
        var stream = z_stream()
        let initialised = deflateInit_(&stream, level, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard initialised == Z_OK else { throw ZlibError.unavailable(initialised) }
        defer { deflateEnd(&stream) }
        if !dictionary.isEmpty {
            var dictionary = dictionary
            let rc = deflateSetDictionary(&stream, &dictionary, uInt(dictionary.count))
            guard rc == Z_OK else { throw ZlibError.unavailable(rc) }
        }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))))
        var input = input
        let produced: Int = try input.withUnsafeMutableBufferPointer { inBuffer in
            try output.withUnsafeMutableBufferPointer { outBuffer in
                stream.next_in = inBuffer.baseAddress
                stream.avail_in = uInt(inBuffer.count)
                stream.next_out = outBuffer.baseAddress
                stream.avail_out = uInt(outBuffer.count)
                let rc = deflate(&stream, Z_FINISH)
                guard rc == Z_STREAM_END else { throw ZlibError.unavailable(rc) }
                return Int(stream.total_out)
            }
        }
        output.removeSubrange(produced...)
        return output
    }

    /// Inflates `input`, refusing to produce more than `maximumSize` bytes.
    ///
    /// Output grows in 64 KiB steps and inflation stops as soon as the limit is passed, so a
    /// decompression bomb costs at most `maximumSize` plus one step of memory.
    public static func decompress(_ input: [UInt8], maximumSize: Int, dictionary: [UInt8] = []) throws -> [UInt8] {
        var stream = z_stream()
        let initialised = inflateInit_(&stream, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard initialised == Z_OK else { throw ZlibError.unavailable(initialised) }
        defer { inflateEnd(&stream) }
        let step = 64 * 1024
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: step)
        var input = input
        try input.withUnsafeMutableBufferPointer { inBuffer in
            stream.next_in = inBuffer.baseAddress
            stream.avail_in = uInt(inBuffer.count)
            while true {
                let (rc, produced) = chunk.withUnsafeMutableBufferPointer { outBuffer -> (Int32, Int) in
                    stream.next_out = outBuffer.baseAddress
                    stream.avail_out = uInt(step)
                    var rc = inflate(&stream, Z_NO_FLUSH)
                    if rc == Z_NEED_DICT {
                        guard !dictionary.isEmpty else { return (rc, 0) }
                        var dictionary = dictionary
                        rc = inflateSetDictionary(&stream, &dictionary, uInt(dictionary.count))
                        if rc == Z_OK { rc = inflate(&stream, Z_NO_FLUSH) }
                    }
                    return (rc, step - Int(stream.avail_out))
                }
                guard output.count + produced <= maximumSize else { throw ZlibError.tooLarge(limit: maximumSize) }
                output.append(contentsOf: chunk[0..<produced])
                switch rc {
                case Z_STREAM_END:
                    guard stream.avail_in == 0 else { throw ZlibError.corrupt("bytes follow the end of the stream") }
                    return
                case Z_OK:
                    continue
                case Z_BUF_ERROR:
                    // No progress possible: the input ran out before the end of the stream.
                    throw ZlibError.truncated
                case Z_NEED_DICT:
                    throw ZlibError.corrupt("it needs a preset dictionary this side does not have")
                default:
                    let message = stream.msg.map { String(cString: $0) } ?? "zlib error \(rc)"
                    throw ZlibError.corrupt(message)
                }
            }
        }
        return output
    }
}
