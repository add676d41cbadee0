import Store
import SyncProtocol

/// What a device that reads segments says of the cases arriving on it (SPEC.md §12.6).
struct ArrivalQuery {
    /// The horizon of the arrival in progress; 0 when none is.
    var horizon: UInt64
    /// Cases whose arrival has begun, with the last cursor of the last segment of each received.
    var through: [String: UInt64]

    init(horizon: UInt64, arriving: [Fieldbook_V2_CaseProgress]) {
        self.horizon = horizon
        through = Dictionary(arriving.map { ($0.caseID, $0.through) }, uniquingKeysWith: max)
    }
}

extension CentralPeer {
    /// An answer bringing the cases a device does not hold up to a horizon, by segment, without moving its
    /// cursor (SPEC.md §12.6): each case's sealed segments as stored, then an open segment of its changes
    /// after them up to the horizon. Cases come in id order; an answer stops when the next segment would
    /// not fit (one segment always fits), and the device continues from what it received.
    ///
    /// - Parameters:
    ///   - arriving: visible cases the device does not hold (at least one).
    ///   - holdsOthers: whether the device holds other cases. If it holds none when an arrival begins, its
    ///     cursor moves to the horizon with the first answer: nothing below the horizon is left to send but
    ///     what arrives by segment. If it does, its cursor stays, and the walk from it, once every case has
    ///     arrived, sends the arriving cases' changes after it again, which the device skips by id.
    func planArrival(_ query: PullQuery, arrival: ArrivalQuery, arriving: Set<String>, holdsOthers: Bool)
        async throws -> (segments: [CaseSegment], arrived: [String], horizon: UInt64, nextCursor: UInt64, more: Bool) {
        // Checked before anything is sealed: a device cannot make the peer build segments past its log.
        let top = try await storage.topCursor()
        guard arrival.horizon <= top, arrival.through.values.allSatisfy({ $0 <= top }) else {
            throw ProtocolError.malformedMessage("the arrival horizon or a case's progress is beyond the central log's top (\(top)); send what the last answer gave")
        }
        let horizon = arrival.horizon == 0 ? top : arrival.horizon
        let maxChanges = Int(min(max(query.maxChanges, 1), UInt32(ProtocolLimits.maximumPullChanges)))
        var segments: [CaseSegment] = []
        var arrived: [String] = []
        var (changes, bytes, inflated) = (0, 0, 0)
        func fits(_ segment: CaseSegment) -> Bool {
            guard !segments.isEmpty else { return true }
            return segments.count < ProtocolLimits.maximumSegmentsPerAnswer
                && changes + segment.changeCount <= maxChanges
                && bytes + segment.frame.count <= ProtocolLimits.maximumPullMessageBytes
                && inflated + (Frame.declaredLength(segment.frame) ?? 0) <= ProtocolLimits.maximumSegmentBytesPerAnswer
        }
        func add(_ segment: CaseSegment) {
            segments.append(segment)
            changes += segment.changeCount
            bytes += segment.frame.count
            inflated += Frame.declaredLength(segment.frame) ?? 0
        }
        var complete = true
        cases: for caseID in arriving.sorted() {
            // A case with nothing up to the horizon takes no room, but each arrived case is an element of
            // the answer: a device reads at most so many.
            guard arrived.count < ProtocolLimits.maximumCaseIDs else { complete = false; break cases }
            var tail = try await sealSegments(of: caseID, upTo: horizon)
            var through = arrival.through[caseID] ?? 0
            var rebuilt = false
            stored: while true {
                let stored = try await storage.segments(of: caseID, after: through, limit: 8).filter { $0.firstCursor <= horizon }
                if stored.isEmpty { break }
                for segment in stored {
                    // Each segment must start at the case's next change: a gap (a row of central_segment
                    // deleted by hand) would skip changes. The case's segments are built again from the log
                    // once; a gap still there is sent as an open segment.
                    if try await storage.nextCursor(of: caseID, after: through) != segment.firstCursor {
                        if !rebuilt {
                            logger.warning("segments rebuilt", metadata: ["case": "\(caseID)", "reason": "not contiguous after \(through)"])
                            try await storage.deleteSegments(of: caseID)
                            tail = try await sealSegments(of: caseID, upTo: horizon)
                            rebuilt = true
                            continue stored
                        }
                        let gap = try await storage.changes(of: caseID, after: through, limit: ProtocolLimits.segmentSealChanges)
                            .filter { $0.cursor < segment.firstCursor && $0.cursor <= horizon }
                        guard !gap.isEmpty else { break stored }
                        let open = try CaseSegment.build(caseID: caseID, entries: gap)
                        guard fits(open) else { complete = false; break cases }
                        add(open)
                        through = open.lastCursor
                        continue stored
                    }
                    guard fits(segment) else { complete = false; break cases }
                    add(segment)
                    through = segment.lastCursor
                }
            }
            let open = tail.filter { $0.cursor > through && $0.cursor <= horizon }
            if !open.isEmpty {
                let segment = try CaseSegment.build(caseID: caseID, entries: open)
                guard fits(segment) else { complete = false; break cases }
                add(segment)
            }
            arrived.append(caseID)
        }
        let nextCursor = arrival.horizon == 0 && !holdsOthers ? max(query.cursor, horizon) : query.cursor
        guard complete else { return (segments, arrived, horizon, nextCursor, true) }
        return (segments, arrived, 0, nextCursor, nextCursor < top)
    }

    /// Seals and stores the segments a case lacks up to `horizon`, and returns the changes after its last
    /// sealed segment that are too few to seal (some may lie past the horizon).
    ///
    /// The segments are stored together, up to 64 to a transaction: one commit, not one a segment.
    private func sealSegments(of caseID: String, upTo horizon: UInt64) async throws -> [LoggedChange] {
        var sealed = try await storage.sealedThrough(of: caseID)
        var built: [CaseSegment] = []
        while true {
            let next = try await storage.changes(of: caseID, after: sealed, limit: ProtocolLimits.segmentSealChanges)
            guard sealed < horizon, let count = CaseSegment.sealable(next) else {
                try await storage.storeSegments(built)
                return next
            }
            let segment = try CaseSegment.build(caseID: caseID, entries: next.prefix(count))
            built.append(segment)
            sealed = segment.lastCursor
            // A case with a long history is stored 64 segments at a time, so that memory stays bounded.
            if built.count == 64 {
                try await storage.storeSegments(built)
                built = []
            }
        }
    }
}
