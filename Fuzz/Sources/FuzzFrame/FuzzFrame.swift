// libFuzzer harness for `Frame.decode`: the envelope ("FB", version, flags, declared length, zlib payload)
// of every request and response body. Any input must either decode or throw a ProtocolError (400/413);
// a crash, a trap, an ASan report or an allocation past -malloc_limit_mb is a finding.
import FuzzSupport
import SyncProtocol

@main enum Main { static func main() { runLibFuzzer(fuzz) } }

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let body = Array(UnsafeBufferPointer(start: data, count: size))
    let message: [UInt8]
    do {
        message = try Frame.decode(body)
    } catch let error as ProtocolError {
        precondition(error.status == 400 || error.status == 413, "unexpected status \(error.status): \(error)")
        return 0
    } catch {
        preconditionFailure("Frame.decode threw something other than a ProtocolError: \(error)")
    }
    // A decoded frame honours its header and the limits, and survives a round trip.
    let declared = Int(body[4]) << 24 | Int(body[5]) << 16 | Int(body[6]) << 8 | Int(body[7])
    precondition(message.count == declared && declared <= ProtocolLimits.maximumMessageBytes)
    let flags = body[3]
    guard let again = try? Frame.decode(Frame.encode(message, compress: flags & 1 != 0, useDictionary: flags & 2 != 0)),
          again == message
    else { preconditionFailure("re-encoding a decoded frame does not decode to the same message") }
    return 0
}

