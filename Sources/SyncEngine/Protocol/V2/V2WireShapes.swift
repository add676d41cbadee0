import Store

/// The shapes of the messages of `Protocol/fieldbook_v2.proto` that carry lists, with the limits of SPEC.md
/// §7 and §12.7: checked on the wire format before a message is built, as for version 1.
package enum V2WireShapes {
    package static let ref = WireShape("a change reference", [:])
    package static let write = WireShape("a field write", [
        3: .repeated("superseded versions", limit: ProtocolLimits.maximumVersionList, of: ref),
    ])
    package static let change = WireShape("a change", [
        10: .repeated("field writes", limit: ProtocolLimits.maximumWritesPerChange, of: write),
        11: .repeated("sealed versions", limit: ProtocolLimits.maximumVersionList, of: ref),
    ])
    package static let syncRequest = WireShape("a sync", [
        1: .repeated("device ids", limit: ProtocolLimits.maximumTableEntries, tooLarge: true),
        2: .repeated("authors", limit: ProtocolLimits.maximumTableEntries, tooLarge: true),
        3: .repeated("changes", limit: ProtocolLimits.maximumPushChanges, tooLarge: true, of: change),
        7: .repeated("held cases", limit: ProtocolLimits.maximumCaseIDs, tooLarge: true),
        8: .repeated("purged cases", limit: ProtocolLimits.maximumCaseIDs, tooLarge: true),
        11: .repeated("ranges of lacking changes", limit: ProtocolLimits.maximumLackingRanges, tooLarge: true),
        15: .repeated("arriving cases", limit: ProtocolLimits.maximumCaseIDs, tooLarge: true, of: caseProgress),
    ])
    package static let caseProgress = WireShape("a case's progress", [:])
    package static let syncResponse = WireShape("a sync answer", [
        1: .repeated("device ids", limit: ProtocolLimits.maximumTableEntries, tooLarge: true),
        2: .repeated("authors", limit: ProtocolLimits.maximumTableEntries, tooLarge: true),
        3: .repeated("results", limit: ProtocolLimits.maximumPushChanges, tooLarge: true),
        4: .repeated("changes", limit: ProtocolLimits.maximumPullChanges, tooLarge: true, of: change),
        7: .repeated("cases to purge", limit: ProtocolLimits.maximumCaseIDs, tooLarge: true),
        10: .singular("rules", of: WireShapes.rules),
        12: .repeated("segments", limit: ProtocolLimits.maximumSegmentsPerAnswer, tooLarge: true),
        14: .repeated("arrived cases", limit: ProtocolLimits.maximumCaseIDs, tooLarge: true),
    ])
    package static let segment = WireShape("a segment", [
        4: .repeated("device ids", limit: ProtocolLimits.maximumTableEntries, tooLarge: true),
        5: .repeated("authors", limit: ProtocolLimits.maximumTableEntries, tooLarge: true),
        6: .repeated("changes", limit: ProtocolLimits.maximumPullChanges, tooLarge: true, of: change),
    ])
}

extension Fieldbook_V2_Segment: BoundedMessage {
    public static var wireShape: WireShape { V2WireShapes.segment }
}

extension Fieldbook_V2_SyncRequest: BoundedMessage {
    public static var wireShape: WireShape { V2WireShapes.syncRequest }
}

extension Fieldbook_V2_SyncResponse: BoundedMessage {
    public static var wireShape: WireShape { V2WireShapes.syncResponse }
}
