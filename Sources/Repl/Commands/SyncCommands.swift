import ClientSync
import Foundation
import Store
import SyncProtocol

/// How the REPL reaches a central peer: the executable supplies HTTP; tests may supply an in-process peer.
public protocol SyncConnector: Sendable {
    func transport(for serverURL: String) -> any SyncTransport
}

extension Interpreter {
    func enrol(_ words: [String], spec: CommandSpec) throws {
        guard words.count == 2 else {
            throw ReplError.usage(command: spec.name, usage: spec.usage, problem: "give the central peer's URL and your enrolment code")
        }
        let (url, code) = (words[0], words[1])
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            throw ReplError.usage(command: spec.name, usage: spec.usage, problem: "the URL must start with https:// (or http:// on a test network)")
        }
        let previous = try store.syncState().user
        let client = try syncClient(url)
        let name = ProcessInfo.processInfo.hostName
        let response = try Blocking.run { try await client.enrol(serverURL: url, code: code, deviceName: name) }
        if let previous, previous != response.user {
            io.errorLine("note: this store was enrolled as \(previous) before")
        }
        if response.user != store.author {
            store = try store.reopened(as: response.user)
        }
        io.line("enrolled as \(response.user) (\(response.role)\(response.team.isEmpty ? "" : ", team \(response.team)")) with \(url)")
        io.line("changes from now on are attributed to \(response.user); run sync to fetch your caseload")
    }

    func sync(_ words: [String], spec: CommandSpec) throws {
        try requireNoArguments(words, spec: spec)
        let state = try store.syncState()
        guard let url = state.serverURL else { throw SyncError.notEnrolled }
        let client = try syncClient(url)
        let showProgress = io.isInteractive
        let progressIO = ProgressPrinter(io: showProgress ? io : nil)
        progressIO.connecting(to: url)
        let summary: SyncSummary
        do {
            summary = try Blocking.run(interrupted: io.interruption) {
                try await client.sync { progress in progressIO.show(progress) }
            }
        } catch is Blocking.Interrupted {
            progressIO.finish()
            throw ReplError.syntax("sync stopped (Ctrl-C): every batch that had arrived is kept, none half-applied; run sync again to carry on")
        } catch {
            progressIO.finish()
            throw error
        }
        progressIO.finish()
        for caseID in summary.purgedCases {
            io.line("case \(caseID) is no longer allocated to you: removed from this device")
        }
        if let version = summary.rulesVersion {
            io.line("council rules updated to version \(version) ('rules' shows them)")
        }
        io.line("\(summary.line)")
        printArrivals(summary.arrivals)
        if let skew = summary.clockSkew {
            let how = ClockSkew.words(skew)
            io.writeError(io.errorStyle.paint("warning:", .warning) + """
                 this device's clock is \(how) of the central peer's. Set it right: times recorded meanwhile \
                come from the wrong clock, and the peer flags every change it receives from this device until then.

                """)
        }
    }

    /// What came for the user, after the counts: one line per kind of news, with the first few of each.
    private func printArrivals(_ arrivals: SyncArrivals) {
        guard !arrivals.isEmpty else { return }
        func line(_ tally: SyncArrivals.Tally, _ one: String, _ many: String, after: String = "") {
            guard tally.count > 0 else { return }
            let more = tally.count > tally.samples.count ? ", and \(tally.count - tally.samples.count) more" : ""
            paragraph("  \(tally.count) \(tally.count == 1 ? one : many): \(tally.samples.joined(separator: ", "))\(more)\(after)", indent: 4)
        }
        io.line("what arrived:")
        line(arrivals.newCases, "case new to this device", "cases new to this device")
        line(arrivals.reallocations, "case reallocated", "cases reallocated")
        line(arrivals.oversight, "oversight entry", "oversight entries")
        line(arrivals.amendments, "amendment by others", "amendments by others")
        line(arrivals.recordsByOthers, "visit or note by others", "visits and notes by others")
        line(arrivals.changesToYourRecords, "change by others to a record you wrote", "changes by others to records you wrote")
        if arrivals.fromYourOtherDevices > 0 {
            let count = arrivals.fromYourOtherDevices
            io.line("  \(count) change\(count == 1 ? "" : "s") of yours from another device")
        }
        line(arrivals.conflicted, "record now in conflict", "records now in conflict", after: " ('conflicts' lists them)")
    }

    private func syncClient(_ url: String) throws -> SyncClient {
        guard let connector else {
            throw ReplError.syntax("this fieldbook was started without network access to a central peer")
        }
        var client = SyncClient(store: store, transport: connector.transport(for: url))
        // Smaller batches, for fault tests that interrupt a sync between batches (docs/OPERATIONS.md).
        if let batch = ProcessInfo.processInfo.environment["FIELDBOOK_SYNC_BATCH"].flatMap(Int.init), batch > 0 {
            client.pushBatch = batch
            client.pullBatch = batch
        }
        // Protocol version 1 for a peer that cannot be reached with version 2 (SPEC.md §12); the client also
        // falls back by itself when the peer answers /v2/ with 404.
        if ProcessInfo.processInfo.environment["FIELDBOOK_SYNC_PROTOCOL"] == "1" {
            client.protocolVersion = .v1
        }
        return client
    }

    func status(_ words: [String], spec: CommandSpec) throws {
        try requireNoArguments(words, spec: spec)
        let state = try store.syncState()
        let rows: [(String, String)] = [
            ("server", state.serverURL ?? "not enrolled (enrol URL CODE)"),
            ("user", state.user.map { "\($0) (\(state.role ?? "?")\(state.team.map { ", team \($0)" } ?? ""))" } ?? store.author),
            ("device", store.deviceID),
            ("last sync", state.lastSyncAt ?? "never"),
            ("pending", "\(try store.pendingCount()) change(s) not yet on the central peer"),
            ("conflicts", "\(try store.conflictCount()) field(s) in conflict"),
            ("rejected", "\(try store.rejectedCount()) change(s) quarantined by the central peer"),
        ]
        let width = rows.map(\.0.count).max() ?? 0
        for (key, value) in rows { io.line("\(key):\(String(repeating: " ", count: width - key.count + 1))\(value)") }
        warnIfStoreIsExposed()
    }

    func conflicts(_ words: [String], spec: CommandSpec) throws {
        try requireNoArguments(words, spec: spec)
        let conflicts = try store.conflicts()
        if mode == .table {
            if conflicts.isEmpty { io.line("no conflicts") }
            for conflict in conflicts {
                let key = conflict.recordType.schema.fields.first { $0.name == conflict.field }?.key ?? conflict.field
                let what = conflict.betweenAmendments ? "amendments made without seeing each other" : "\(conflict.versions.count) versions"
                io.line("\(conflict.recordType.rawValue) \(conflict.recordID) (case \(conflict.caseID)), field \(key): \(what)")
                if let rule = conflict.brokenRule { io.line("  breaks a visit rule: \(rule)") }
                for (index, version) in conflict.versions.enumerated() {
                    let marker = index == 0 ? "  (shown meanwhile)" : ""
                    let late = conflict.racedFrom.map { index >= $0 ? "  (written without seeing the finalisation)" : "" } ?? ""
                    let origin = version.kind == .finalise || version.kind == .delete ? "no value when \(version.kind == .delete ? "deleted" : "finalised") by " : ""
                    io.line("  [\(index + 1)] \(origin)\(version.author) on device \(version.change.deviceID.prefix(8)) at \(version.recordedAt)\(marker)\(late)")
                    io.line("      \(multiline: version.value ?? "(no value)", indent: 6)")
                }
                if conflict.brokenRule != nil && conflict.versions.count == 1 {
                    io.line("  mend it with: edit \(conflict.recordID) \(key)=...   or   resolve \(conflict.recordID) \(key) value=TEXT")
                } else {
                    let settles = conflict.betweenAmendments ? "   (writes an amendment that has seen both)" : ""
                    io.line("  resolve with: resolve \(conflict.recordID) \(key) keep=N   or   value=TEXT\(settles)")
                }
            }
            return
        }
        var rows: [[Cell]] = []
        for conflict in conflicts {
            for (index, version) in conflict.versions.enumerated() {
                rows.append([.text(conflict.recordID), .text(conflict.caseID), .text(conflict.field), Cell(index + 1),
                             Cell(version.value), .text(version.author), .text(version.change.deviceID), .text(version.recordedAt)])
            }
        }
        printTable(Table(columns: ["record", "case", "field", "version", "value", "author", "device", "recorded_at"], rows: rows))
    }

    func resolve(_ words: [String], spec: CommandSpec) throws {
        var arguments = CommandArguments(words)
        guard arguments.positional.count == 2 else {
            throw ReplError.usage(command: spec.name, usage: spec.usage, problem: "give the record and the field")
        }
        let id = try resolveRecord(arguments.positional[0])
        let key = arguments.positional[1]
        let resolution: CaseStore.Resolution
        switch (arguments.take("keep"), arguments.take("value")) {
        case (let keep?, nil):
            guard let number = Int(keep) else { throw ReplError.usage(command: spec.name, usage: spec.usage, problem: "keep= takes a version number") }
            resolution = .keep(number)
        case (nil, let value?):
            resolution = .value(value)
        default:
            throw ReplError.usage(command: spec.name, usage: spec.usage, problem: "give either keep=N or value=TEXT")
        }
        try store.resolve(id, key: key, with: resolution)
        io.line("resolved \(key) of \(id); every version stays in its history. Sync to share the resolution.")
    }

    func rejected(_ words: [String], spec: CommandSpec) throws {
        try requireNoArguments(words, spec: spec)
        let rejected = try store.rejectedChanges()
        let ids = idCells(rejected.map(\.recordID))
        let rows = zip(rejected, ids).map { item, id -> [Cell] in
            [.text(item.recordedAt), .text(item.kind.rawValue), .text(item.recordType.rawValue),
             id, .text(item.caseID), .text(item.reason),
             item.quarantineID.map { Cell($0 == 0 ? 0 : Int($0)) } ?? .empty]
        }
        printTable(Table(columns: ["recorded_at", "kind", "record", "id", "case", "reason", "quarantine_id"], rows: rows,
                         flowColumn: "reason"))
        if !rejected.isEmpty, mode == .table {
            io.line("These changes are kept here and on the central peer; an administrator can release or reassign them.")
            if rejected.contains(where: { $0.change == nil }) {
                io.line("Those whose case has left this laptop are listed without their content, which the central peer keeps.")
            }
        }
    }
}

/// The terminal's progress line during a sync: changes and bytes, rewritten in place.
final class ProgressPrinter: @unchecked Sendable {
    private let io: ReplIO?
    private let lock = NSLock()
    private var shown = false

    init(io: ReplIO?) { self.io = io }

    func show(_ progress: SyncProgress) {
        guard let io else { return }
        lock.withLock {
            shown = true
            io.write("\r\(progress.phase): \(progress.records) changes, \(progress.bytes / 1024) KiB   ")
        }
    }

    /// Says at once where the sync goes, before the first answer.
    func connecting(to url: String) {
        guard let io else { return }
        lock.withLock {
            shown = true
            io.write("\rconnecting to \(url) …   ")
        }
    }

    func finish() {
        if shown { io?.write("\r" + String(repeating: " ", count: 60) + "\r") }
    }
}
