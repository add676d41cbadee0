internal import GRDB

/// What `verify` found.
public struct VerificationReport: Sendable, Equatable {
    public var changesChecked = 0
    public var devices = 0
    public var recordsChecked = 0
    /// Problems, in the order found: for each hash chain its first broken link, then records whose stored
    /// state differs from a replay of the change log.
    public var problems: [String] = []

    public var isIntact: Bool { problems.isEmpty }
}

/// Proves the store was not edited behind its back.
///
/// 1. Every change's hash is recomputed from its content (``CanonicalEncoding``).
/// 2. Every device's chain is followed: each change's `prev_hash` must be the hash of the device's previous
///    change. This store's own chain must start at 1 with no gaps; changes that left the device with a
///    purged case are bridged by the links kept in `purged_link`. Other devices' chains may have gaps
///    (a device receives only the changes of cases it holds); links are checked wherever both ends are here.
/// 3. Every record is replayed from its changes through the merge and compared with the stored row.
/// 4. The search index holds the text the records hold now (``SearchIndex``): its text is compared with
///    the text made afresh from the records, and FTS5's integrity check compares its words with that text.
///    The index is made from the records, so a problem here is mended by `search --rebuild`.
///
/// An edit of a stored value breaks (1) or (3); a recomputed hash breaks the next link of (2); a deleted
/// change breaks (2) or (3). The one edit a lone device cannot detect is a rewrite of its own latest change
/// with a recomputed hash and matching records; once the change has reached the central peer, the peer's
/// copy anchors it.
public struct StoreVerifier {
    let store: CaseStore

    public func run() throws -> VerificationReport {
        var checked = try store.pool.read { db in
            var report = VerificationReport()
            var byRecord: [String: [Change]] = [:]
            var previous: (device: String, seq: Int64, hash: String)?
            var brokenDevices: Set<String> = []
            // Links of purged changes: their content left the device with the case, the chain stays.
            var purged: [String: [Int64: (prev: String, hash: String)]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT device_id, seq, prev_hash, hash FROM purged_link") {
                purged[row["device_id"], default: [:]][row["seq"]] = (row["prev_hash"], row["hash"])
            }
            /// Follows purged links after `prior` up to `seq`, returning the last link reached.
            func bridge(_ prior: (device: String, seq: Int64, hash: String), to seq: Int64) -> (device: String, seq: Int64, hash: String) {
                var last = prior
                while last.seq + 1 < seq, let link = purged[prior.device]?[last.seq + 1], link.prev == last.hash {
                    last = (prior.device, last.seq + 1, link.hash)
                }
                return last
            }
            // Every change is checked in the chain; the device's own quarantined ones take no part in the
            // merge (ChangeLog.changes(ofRecord:)), so the replay leaves them out too.
            let rows = try Row.fetchCursor(db, sql: "SELECT \(ChangeLog.columns), \(ChangeLog.isQuarantined) AS quarantined FROM change_log ORDER BY device_id, seq")
            while let row = try rows.next() {
                report.changesChecked += 1
                let device: String = row["device_id"]
                let seq: Int64 = row["seq"]
                if previous?.device != device {
                    report.devices += 1
                    if device == store.deviceID, seq != 1 {
                        var start: (device: String, seq: Int64, hash: String) = (device, 0, Change.genesisHash)
                        start = bridge(start, to: seq)
                        if start.seq + 1 != seq {
                            report.problems.append("chain \(device.prefix(8)): first change is \(seq), expected 1 (changes deleted)")
                            brokenDevices.insert(device)
                        } else {
                            previous = start
                        }
                    }
                }
                let change: Change
                do {
                    change = try ChangeLog.decode(row)
                } catch {
                    report.problems.append("change \(device.prefix(8)):\(seq): \(error)")
                    brokenDevices.insert(device)
                    previous = (device, seq, row["hash"])
                    continue
                }
                if !(row["quarantined"] as Bool) { byRecord[change.recordID, default: []].append(change) }
                if !brokenDevices.contains(device) {
                    if !change.hashIsValid {
                        report.problems.append("change \(change.id.short): stored hash does not match its content (content edited after it was written)")
                        brokenDevices.insert(device)
                    } else if var prior = previous, prior.device == device {
                        prior = bridge(prior, to: seq)
                        if prior.seq + 1 == seq, change.previousHash != prior.hash {
                            report.problems.append("change \(change.id.short): prev_hash does not match the hash of \(device.prefix(8)):\(prior.seq) (chain broken)")
                            brokenDevices.insert(device)
                        } else if prior.seq + 1 != seq, device == store.deviceID {
                            let missing = prior.seq + 1 == seq - 1 ? "change \(prior.seq + 1) is" : "changes \(prior.seq + 1) to \(seq - 1) are"
                            report.problems.append("chain \(device.prefix(8)): \(missing) missing")
                            brokenDevices.insert(device)
                        }
                    } else if seq == 1, change.previousHash != Change.genesisHash {
                        report.problems.append("change \(change.id.short): first change of its device does not start the chain")
                        brokenDevices.insert(device)
                    }
                }
                previous = (device, seq, change.hash)
            }

            var stored: [String: RecordProjection] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT * FROM record") {
                let projection = RecordProjection(row: row)
                stored[projection.id] = projection
            }
            for recordID in Set(byRecord.keys).union(stored.keys).sorted() {
                report.recordsChecked += 1
                guard let changes = byRecord[recordID], let state = RecordState(changes: changes) else {
                    report.problems.append("record \(recordID): stored, but no change in the log created it")
                    continue
                }
                guard let row = stored[recordID] else {
                    report.problems.append("record \(recordID): in the change log but missing from the records")
                    continue
                }
                let replayed = try RecordProjection(state)
                let differing = row.differences(from: replayed)
                if !differing.isEmpty {
                    report.problems.append("record \(recordID): stored \(differing.joined(separator: ", ")) differ from a replay of its \(changes.count) change(s)")
                }
            }
            let missing = try SearchIndex.missingParts(db)
            if !missing.isEmpty {
                report.problems.append("search index: \(missing.joined(separator: ", ")) missing, so it no longer follows the records; "
                                       + "it is made from the records: 'search --rebuild' makes it again")
                return report
            }
            guard try SearchIndex.isKept(db) else { return report }
            let stale = try SearchIndex.staleRecords(db)
            if stale.count > 0 {
                report.problems.append("search index: the indexed text of \(stale.count) record(s) differs from the records (\(stale.ids.joined(separator: ", "))\(stale.count > stale.ids.count ? ", ..." : "")); "
                                       + "it is made from the records: 'search --rebuild' makes it again")
            }
            return report
        }
        // FTS5's check needs its tables, which may be the missing parts.
        let complete = try store.pool.read { db in try SearchIndex.isKept(db) && SearchIndex.missingParts(db).isEmpty }
        if complete, let problem = try store.pool.write({ db in try SearchIndex.integrityProblem(db) }) {
            checked.problems.append("search index: FTS5's integrity check failed (\(problem)); it is made from the records: 'search --rebuild' makes it again")
        }
        return checked
    }
}

extension CaseStore {
    /// Checks hash chains and replays the change log; see ``StoreVerifier``.
    public func verify() throws -> VerificationReport {
        try StoreVerifier(store: self).run()
    }
}
