import Store
import SwiftProtobuf

/// A protocol message that can be read from the network: its lists and its size have bounds, checked before
/// the message is built (``WireShape``). ``MessageCodec/decode(_:from:)`` reads nothing else, so a message
/// type without bounds cannot be read from a body by mistake.
public protocol BoundedMessage: SwiftProtobuf.Message {
    /// The bounds on the message's repeated fields, at every depth (SPEC.md §7).
    static var wireShape: WireShape { get }
    /// The largest the message may be after inflation; a frame declaring more is refused before inflating.
    static var maximumMessageBytes: Int { get }
}

extension BoundedMessage {
    public static var maximumMessageBytes: Int { ProtocolLimits.maximumMessageBytes }
}

/// The shapes of the messages of `Protocol/fieldbook.proto` that carry lists, with the limits of SPEC.md §7.
enum WireShapes {
    static let changeRef = WireShape("a change reference", [:])
    static let fieldWrite = WireShape("a field write", [
        3: .repeated("superseded versions", limit: ProtocolLimits.maximumVersionList, of: changeRef),
    ])
    static let change = WireShape("a change", [
        1: .singular("id", of: changeRef),
        9: .repeated("field writes", limit: ProtocolLimits.maximumWritesPerChange, of: fieldWrite),
        10: .repeated("sealed versions", limit: ProtocolLimits.maximumVersionList, of: changeRef),
    ])
    static let rules = WireShape("a rule set", [
        2: .repeated("settings", limit: CouncilRules.maximumSettings, tooLarge: true),
        3: .repeated("holidays", limit: CouncilRules.maximumHolidays, tooLarge: true),
    ])
    static let pushRequest = WireShape("a push", [
        1: .repeated("changes", limit: ProtocolLimits.maximumPushChanges, tooLarge: true, of: change),
    ])
    static let pushResult = WireShape("a push result", [1: .singular("id", of: changeRef)])
    static let pushResponse = WireShape("a push answer", [
        1: .repeated("results", limit: ProtocolLimits.maximumPushChanges, tooLarge: true, of: pushResult),
    ])
    static let pullRequest = WireShape("a pull", [
        3: .repeated("held cases", limit: ProtocolLimits.maximumCaseIDs, tooLarge: true),
        4: .repeated("purged cases", limit: ProtocolLimits.maximumCaseIDs, tooLarge: true),
    ])
    static let pullResponse = WireShape("a pull answer", [
        1: .repeated("changes", limit: ProtocolLimits.maximumPullChanges, tooLarge: true, of: change),
        4: .repeated("cases to purge", limit: ProtocolLimits.maximumCaseIDs, tooLarge: true),
        7: .singular("rules", of: rules),
    ])
    static let flat = WireShape("the message", [:])
}

extension Fieldbook_V1_PushRequest: BoundedMessage {
    public static var wireShape: WireShape { WireShapes.pushRequest }
}

extension Fieldbook_V1_PushResponse: BoundedMessage {
    public static var wireShape: WireShape { WireShapes.pushResponse }
}

extension Fieldbook_V1_PullRequest: BoundedMessage {
    public static var wireShape: WireShape { WireShapes.pullRequest }
}

extension Fieldbook_V1_PullResponse: BoundedMessage {
    public static var wireShape: WireShape { WireShapes.pullResponse }
}

extension Fieldbook_V1_EnrolRequest: BoundedMessage {
    public static var wireShape: WireShape { WireShapes.flat }
    /// Four short strings and a number (SPEC.md §3.2): nothing legitimate comes near it.
    public static var maximumMessageBytes: Int { ProtocolLimits.maximumEnrolmentBytes }
}

extension Fieldbook_V1_EnrolResponse: BoundedMessage {
    public static var wireShape: WireShape { WireShapes.flat }
}

extension Fieldbook_V1_ErrorResponse: BoundedMessage {
    public static var wireShape: WireShape { WireShapes.flat }
}
