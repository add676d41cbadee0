// libFuzzer harness for the protocol messages: `MessageCodec.decode` of the three requests the central
// peer parses (enrol, push, pull), the responses a device parses, and the `decoded()` conversions into
// domain values (Change, ChangeID, CouncilRules) with the hash check a receiver runs.
//
// Input: a framed body (starts with "FB", as on the wire: the golden vectors) or, otherwise, a bare
// protobuf payload, which lets the fuzzer explore the message space without building frames.
import FuzzSupport
import Store
import SwiftProtobuf
import SyncProtocol

@main enum Main { static func main() { runLibFuzzer(fuzz) } }

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let payload: [UInt8]
    if input.starts(with: [0x46, 0x42]) {
        // Exactly what CentralPeer does with a request body.
        if let enrol = decode(Fieldbook_V1_EnrolRequest.self, input) { _ = enrol.deviceID.utf8.count }
        if let push = decode(Fieldbook_V1_PushRequest.self, input) { push.changes.forEach(check) }
        if let pull = decode(Fieldbook_V1_PullRequest.self, input) { _ = Set(pull.heldCases).union(pull.purgedCases) }
        guard let inflated = try? Frame.decode(input) else { return 0 }
        payload = inflated
    } else {
        payload = input
    }
    // The wire-format counting that runs before every parse (it throws only ProtocolError, by its type).
    for shape in [Fieldbook_V1_PushRequest.wireShape, Fieldbook_V1_PullRequest.wireShape,
                  Fieldbook_V1_PushResponse.wireShape, Fieldbook_V1_PullResponse.wireShape] {
        _ = try? shape.check(payload)
    }
    // The same bytes as every message type: the device parses the responses.
    if let push = try? Fieldbook_V1_PushRequest(serializedBytes: payload) { push.changes.forEach(check) }
    if let pull = try? Fieldbook_V1_PullResponse(serializedBytes: payload) {
        pull.changes.forEach(check)
        if pull.hasRules { checkRules(pull.rules) }
    }
    if let answer = try? Fieldbook_V1_PushResponse(serializedBytes: payload) {
        for result in answer.results { _ = try? result.id.decoded() }
    }
    _ = try? Fieldbook_V1_PullRequest(serializedBytes: payload)
    _ = try? Fieldbook_V1_EnrolRequest(serializedBytes: payload)
    _ = try? Fieldbook_V1_EnrolResponse(serializedBytes: payload)
    _ = try? Fieldbook_V1_ErrorResponse(serializedBytes: payload)
    return 0
}

/// `MessageCodec.decode`, which must refuse with a ProtocolError and nothing else.
func decode<M: BoundedMessage>(_ type: M.Type, _ body: [UInt8]) -> M? {
    do {
        return try MessageCodec.decode(type, from: body)
    } catch is ProtocolError {
        return nil
    } catch {
        preconditionFailure("MessageCodec.decode threw something other than a ProtocolError: \(error)")
    }
}

/// A change as a receiver takes it: decoded (or refused with a ProtocolError), hash checked, and stable
/// through a re-encoding.
func check(_ message: Fieldbook_V1_Change) {
    let change: Change
    do {
        change = try message.decoded()
    } catch is ProtocolError {
        return
    } catch {
        preconditionFailure("Change.decoded() threw something other than a ProtocolError: \(error)")
    }
    _ = change.hashIsValid
    guard let again = try? Fieldbook_V1_Change(change).decoded(), again == change else {
        preconditionFailure("a decoded change does not survive re-encoding: \(change)")
    }
}

/// What the internal `Fieldbook_V1_Rules.decoded()` (RulesMessage.swift) does, through the public
/// initialiser it calls. Refusal is a RulesError (typed throws).
func checkRules(_ rules: Fieldbook_V1_Rules) {
    let values = rules.settings.map { (name: $0.name, value: Int(clamping: $0.value)) }
    if let decoded = try? CouncilRules(version: rules.version, values: values, holidays: rules.holidays) {
        _ = decoded.allValues
        _ = decoded.digest
    }
}
