import Store
import SyncProtocol

/// Moves a council's central storage to another engine (`fieldbook admin migrate --from DIR --to URL`), then
/// checks the copy against the original and every device's hash chain in it.
///
/// The copy keeps cursors, times, ids and token hashes as they are: devices go on syncing with the new
/// engine from where they were, with the tokens they hold. The peer must be stopped during the move: the
/// target must be empty, and the source is read as it stands.
public struct CentralMigration: Sendable {
    public let source: any CentralArchiving
    public let target: any CentralArchiving
    /// Rows and changes moved at a time: memory stays bounded, whatever the council's size.
    public var pageSize = 1_000

    public init(from source: any CentralArchiving, to target: any CentralArchiving) {
        self.source = source
        self.target = target
    }

    /// What a move copied and what its check found.
    public struct Report: Sendable, Equatable {
        public var rows: [ArchivedTable: Int] = [:]
        public var changes = 0
        public var devices = 0
        /// Differences between source and copy, and broken chain links: empty when the move is sound.
        public var problems: [String] = []
    }

    /// Copies everything, then ``verify()``s. Throws before writing anything if the target holds data.
    public func run(progress: @Sendable (String) -> Void = { _ in }) async throws -> Report {
        guard try await target.isEmpty() else {
            throw CentralAdminError("the target already holds a central peer's data; migrate only into an empty database")
        }
        try await target.importPeerDeviceID(try await source.peerDeviceID())
        var report = Report()
        for table in ArchivedTable.allCases {
            var after: [ArchiveValue]?
            var count = 0
            while true {
                let rows = try await source.exportRows(of: table, after: after, limit: pageSize)
                guard let last = rows.last else { break }
                try await target.importRows(rows, into: table)
                count += rows.count
                after = table.key.map { last[$0] ?? .null }
            }
            report.rows[table] = count
            progress("\(table.name): \(count) row(s)")
        }
        var cursor: UInt64 = 0
        while true {
            let entries = try await source.exportLog(after: cursor, limit: pageSize)
            guard let last = entries.last else { break }
            try await target.importLog(entries)
            report.changes += entries.count
            cursor = last.cursor
            if report.changes % (pageSize * 50) < entries.count { progress("log: \(report.changes) change(s)") }
        }
        progress("log: \(report.changes) change(s)")
        let check = try await verify()
        report.devices = check.devices
        report.problems = check.problems
        return report
    }

    /// Compares the target with the source table by table and change by change, and checks every device's
    /// chain in the target: each change's hash is its content's, and each continues from the one before it
    /// (a number missing from a chain must be a change the peer quarantined).
    public func verify() async throws -> (devices: Int, problems: [String]) {
        var problems: [String] = []
        func note(_ problem: String) { if problems.count < 100 { problems.append(problem) } }
        var quarantined: Set<ChangeID> = []
        for table in ArchivedTable.allCases {
            var after: [ArchiveValue]?
            var (sourceCount, targetCount) = (0, 0)
            while true {
                let original = try await source.exportRows(of: table, after: after, limit: pageSize)
                let copy = try await target.exportRows(of: table, after: after, limit: pageSize)
                sourceCount += original.count
                targetCount += copy.count
                if original != copy { note("\(table.name): the rows after \(after.map { "\($0)" } ?? "the start") differ") }
                if table == .quarantine {
                    for row in copy {
                        if case .text(let device)? = row["device_id"], case .integer(let seq)? = row["seq"], row["pushed_by"] == row["device_id"] {
                            quarantined.insert(ChangeID(deviceID: device, seq: seq))
                        }
                    }
                }
                guard let last = original.last, copy.count == original.count else { break }
                after = table.key.map { last[$0] ?? .null }
            }
            if sourceCount != targetCount { note("\(table.name): \(sourceCount) row(s) in the source, \(targetCount) in the copy") }
        }
        var heads: [String: (seq: Int64, hash: String)] = [:]
        var cursor: UInt64 = 0
        while true {
            let original = try await source.exportLog(after: cursor, limit: pageSize)
            let copy = try await target.exportLog(after: cursor, limit: pageSize)
            for (index, entry) in copy.enumerated() {
                if index >= original.count || !Self.same(entry, original[index]) {
                    note("log: the change at cursor \(entry.cursor) differs from the source's")
                }
                let change = entry.change
                if !change.hashIsValid { note("log: \(change.id) does not match its hash") }
                let head = heads[change.id.deviceID] ?? (0, Change.genesisHash)
                // A quarantined change an administrator released enters the log after later ones.
                if change.id.seq <= head.seq, quarantined.contains(change.id) { continue }
                let skipped = (head.seq + 1..<max(head.seq + 1, change.id.seq)).map { ChangeID(deviceID: change.id.deviceID, seq: $0) }
                if change.id.seq <= head.seq {
                    note("log: \(change.id) comes after number \(head.seq) of its device")
                } else if skipped.isEmpty, change.previousHash != head.hash {
                    note("log: \(change.id) does not continue its device's chain")
                } else if skipped.contains(where: { !quarantined.contains($0) }) {
                    note("log: \(change.id) follows a gap in its device's chain that no quarantined change fills")
                }
                heads[change.id.deviceID] = (change.id.seq, change.hash)
            }
            if copy.count != original.count { note("log: \(original.count) change(s) after cursor \(cursor) in the source, \(copy.count) in the copy") }
            guard let last = original.last else { break }
            cursor = last.cursor
        }
        return (heads.count, problems)
    }

    private static func same(_ a: LoggedChange, _ b: LoggedChange) -> Bool {
        a.cursor == b.cursor && a.receivedAt == b.receivedAt && a.clockSkew == b.clockSkew
            && a.change.id == b.change.id && a.change.hash == b.change.hash
    }
}
