import Store
import SwiftProtobuf
import SyncProtocol

/// What a device asks of a pull, whichever protocol version carried it.
struct PullQuery {
    var cursor: UInt64
    var maxChanges: UInt32
    var held: [String]
    var purged: [String]
    var rulesDigest: String
    /// Version 2: the device's own changes to leave out (all but those it lacks). `nil`: send them (v1).
    var own: OwnChanges?
    /// A device that reads segments: cases it does not hold arrive by segment, and its cursor is not
    /// rewound for them (SPEC.md §12.6). `nil`: a newly visible case rewinds the cursor.
    var arrival: ArrivalQuery? = nil

    /// The bounds a pull's own fields must meet, checked before any work (a v2 sync checks them before
    /// its push is admitted, so a refused request stores nothing).
    func validate() throws(ProtocolError) {
        guard held.count <= ProtocolLimits.maximumCaseIDs, purged.count <= ProtocolLimits.maximumCaseIDs,
              (arrival?.through.count ?? 0) <= ProtocolLimits.maximumCaseIDs else {
            throw ProtocolError.tooLarge("a pull names at most \(ProtocolLimits.maximumCaseIDs) held or purged cases")
        }
        // Cursors are positions in the central log, which SQLite numbers up to 2^63 − 1: a larger one was
        // never given out, and converting it would trap (one request could stop the peer).
        guard cursor <= UInt64(Int64.max) else {
            throw ProtocolError.malformedMessage("the cursor \(cursor) is beyond any position in the central log (at most \(Int64.max)); send the next_cursor of your last pull, or 0")
        }
    }
}

/// One pull's answer before it is encoded.
struct PullBatch {
    let entries: ArraySlice<LoggedChange>
    let nextCursor: UInt64
    let more: Bool
    /// Held cases no longer visible: the device must purge them (`purge_cases`), sorted.
    let revoked: [String]
    /// The council rules, when the device's digest differs.
    let rules: CouncilRules?
    /// Arriving cases' segments (SPEC.md §12.6); an answer that has them has no `entries`.
    var segments: [CaseSegment] = []
    /// Arriving cases now whole up to the horizon.
    var arrived: [String] = []
    /// The horizon of an arrival still in progress; 0 when none is.
    var horizon: UInt64 = 0
}

extension CentralPeer {
    /// Chooses a pull's batch and records the custody it gives (SPEC.md §3.4, §12.4): the same rules for
    /// `/v1/pull` and `/v2/sync`, except that a v2 device's own changes are left out unless it lacks them.
    ///
    /// - Parameter tableElements: count each new device id and author as a list element, as a v2 answer's
    ///   tables hold them, so that the answer stays within ``ProtocolLimits/maximumMessageElements``.
    func planPull(_ query: PullQuery, for sender: AuthenticatedDevice, tableElements: Bool) async throws -> PullBatch {
        let (device, user) = (sender.device, sender.user)
        try query.validate()
        let visible = try await visibleCases(for: user)
        let held = Set(query.held)
        // A case arriving by segment that is no longer visible is revoked like a held one: part of it is
        // on the device.
        let revoked = held.union(query.arrival.map { Array($0.through.keys) } ?? []).subtracting(visible)
        // A case arrives whole when the device does not report holding it (a device leaves out cases whose
        // purge its unsent work held back, since pulls in between skipped their changes).
        let arriving = visible.subtracting(held)
        let rules = try await storage.rules()
        // No digest: the device counts with the shipped defaults.
        let sendsRules = rules.digest != (query.rulesDigest.isEmpty ? CouncilRules.defaultsDigest : query.rulesDigest)
        let purged = Set(query.purged).subtracting(held)
        if let arrival = query.arrival, !arriving.isEmpty {
            let plan = try await planArrival(query, arrival: arrival, arriving: arriving, holdsOthers: !held.isDisjoint(with: visible))
            var sent: [String: Int] = [:]
            for segment in plan.segments { sent[segment.caseID, default: 0] += segment.changeCount }
            try await storage.recordCustody(device: device.id, user: user.name, sent: sent, purgeRequested: revoked, purged: purged, now: now)
            logger.info("pull", metadata: ["user": "\(user.name)", "device": "\(device.id)", "segments": "\(plan.segments.count)",
                                           "arrived": "\(plan.arrived.count)", "purge": "\(revoked.count)"])
            return PullBatch(entries: [], nextCursor: plan.nextCursor, more: plan.more, revoked: revoked.sorted(),
                             rules: sendsRules ? rules : nil, segments: plan.segments, arrived: plan.arrived, horizon: plan.horizon)
        }
        var cursor = query.cursor
        // A newly visible case arrives whole: rewind to its first change. Changes of held cases between
        // there and the old cursor come again; the device skips them by id.
        if query.arrival == nil, let first = try await storage.firstCursor(of: arriving), first <= cursor {
            cursor = first - 1
        }
        let limit = Int(min(max(query.maxChanges, 1), UInt32(ProtocolLimits.maximumPullChanges)))
        let (logged, top) = try await storage.changes(after: cursor, in: visible, limit: limit + 1, leavingOut: query.own)
        // Keep the answer well inside the body limits, however large the changes, and within the list
        // elements a device reads (what the cases to purge and the rules take is set aside first). The size
        // is that of the v1 form, which a v2 change never exceeds.
        var elements = revoked.count + (sendsRules ? rules.allValues.count + rules.holidays.count : 0)
        var tables: Set<String> = []
        var size = 0
        var fitting = 0
        for entry in logged.prefix(limit) {
            size += ((try? Fieldbook_V1_Change(entry.change, receivedAt: entry.receivedAt).serializedBytes() as [UInt8])?.count ?? 0)
            elements += entry.change.wireElements
            if tableElements {
                elements += entry.change.tableNames.filter { tables.insert($0).inserted }.count
            }
            if fitting > 0 && (size > ProtocolLimits.maximumPullMessageBytes || elements > ProtocolLimits.maximumMessageElements) { break }
            fitting += 1
        }
        let batch = logged.prefix(fitting)
        let more = logged.count > fitting
        let nextCursor = more ? (batch.last?.cursor ?? cursor) : max(cursor, top)
        var sent: [String: Int] = [:]
        for entry in batch { sent[entry.change.caseID, default: 0] += 1 }
        // A device cannot have purged a case it says it still holds: only the others count as purged.
        try await storage.recordCustody(device: device.id, user: user.name, sent: sent, purgeRequested: revoked,
                                  purged: purged, now: now)
        logger.info("pull", metadata: ["user": "\(user.name)", "device": "\(device.id)", "changes": "\(batch.count)",
                                       "cursor": "\(nextCursor)", "purge": "\(revoked.count)"])
        return PullBatch(entries: batch, nextCursor: nextCursor, more: more, revoked: revoked.sorted(),
                         rules: sendsRules ? rules : nil)
    }
}
