import Store
import SyncProtocol

/// How the central peer builds and seals a case's segments from its log (SPEC.md §12.6).
extension CaseSegment {
    /// The segment of `entries`: one case's changes in log order, at least one.
    package static func build(caseID: String, entries: some BidirectionalCollection<LoggedChange>) throws -> CaseSegment {
        guard let first = entries.first?.cursor, let last = entries.last?.cursor else {
            throw ProtocolError.internal("a segment of case \(caseID) was built from no changes")
        }
        var message = Fieldbook_V2_Segment()
        var encoder = V2ChangeEncoder()
        encoder.leavesOutHashes = true
        message.caseID = caseID
        message.firstCursor = first
        message.lastCursor = last
        message.changes = entries.map { encoder.encode($0.change, receivedAt: $0.receivedAt, clockSkew: $0.clockSkew) }
        message.devices = encoder.tables.devices
        message.authors = encoder.tables.authors
        return CaseSegment(caseID: caseID, firstCursor: first, lastCursor: last, changeCount: entries.count,
                           frame: try MessageCodec.encode(message))
    }

    /// How many of `entries` (a case's changes after its last sealed segment, in log order) make a sealed
    /// segment: the first ``ProtocolLimits/segmentSealChanges``, or fewer once their values reach
    /// ``ProtocolLimits/segmentSealBytes``; `nil` while they are too few to seal.
    package static func sealable(_ entries: some Collection<LoggedChange>) -> Int? {
        var bytes = 0
        var count = 0
        for entry in entries.prefix(ProtocolLimits.segmentSealChanges) {
            count += 1
            // Ids, clocks and hashes take about 100 bytes of a change's v2 form; the values the rest.
            bytes += 100 + entry.change.writes.reduce(0) { $0 + $1.field.utf8.count + ($1.value?.utf8.count ?? 0) }
            if bytes >= ProtocolLimits.segmentSealBytes { return count }
        }
        return count == ProtocolLimits.segmentSealChanges ? count : nil
    }
}
