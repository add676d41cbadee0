import Store
import SyncProtocol

/// What a v2 sync request tells the peer about the device's copy (SPEC.md §12.4): its cursor, the cases it
/// holds, the own changes it lacks and the rules it counts with.
///
/// The client prefetches: it sends the next request before it applies the current batch, so it must say
/// now what the store will hold then. ``after(_:revoked:rules:cursor:arrival:caseRecords:stale:deviceID:)`` predicts that from
/// the batch, exactly as `applyPulled` changes the store; once the batch is applied the client reads the
/// state afresh and uses the prefetched answer only if the prediction was right. A wrong prediction costs
/// a request, never a change: the held cases and lacking changes decide what the peer sends.
struct PullState: Equatable {
    var cursor: UInt64
    var held: [String]
    var lacking: SeqRanges
    var rulesVersion: UInt64
    var rulesDigest: String
    /// The cases arriving by segment, and the horizon they arrive up to (SPEC.md §12.6).
    var arrival: ArrivalProgress

    /// The state the store holds now.
    static func read(_ store: CaseStore) throws -> PullState {
        let rules = try store.receivedCouncilRules()
        return PullState(cursor: try store.syncState().cursor, held: try store.heldCases(),
                         lacking: SeqRanges(try store.ownChangesLacking()),
                         rulesVersion: rules?.version ?? 0, rulesDigest: rules?.digest ?? "",
                         arrival: try store.arrivalProgress())
    }

    /// The state the store will hold once `changes` are applied with `cursor`, `revoked` marked stale and
    /// `rules` kept, given the case records and stale cases it holds before.
    ///
    /// A case is held when its case record is present, it is not stale and it is not still arriving by
    /// segment (`arrival`, the progress after the batch); applying a change of a case clears its stale mark,
    /// and the cases the peer revoked are marked stale after that. An own change that arrives is no longer
    /// lacking.
    func after(_ changes: [Change], revoked: [String], rules: CouncilRules?, cursor: UInt64, arrival: ArrivalProgress,
               caseRecords: Set<String>, stale: Set<String>, deviceID: String) -> PullState {
        let records = caseRecords.union(changes.filter { $0.recordType == .case }.map(\.recordID))
        let staleAfter = stale.subtracting(changes.map(\.caseID)).union(revoked)
        return PullState(cursor: cursor, held: records.subtracting(staleAfter).subtracting(arrival.through.keys).sorted(),
                         lacking: lacking.subtracting(changes.filter { $0.id.deviceID == deviceID }.map(\.id.seq)),
                         rulesVersion: rules?.version ?? rulesVersion, rulesDigest: rules?.digest ?? rulesDigest,
                         arrival: arrival)
    }
}
