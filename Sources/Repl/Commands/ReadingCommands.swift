import Foundation
import Store

extension Interpreter {
    func listCases(_ words: [String], spec: CommandSpec) throws {
        try requireNoArguments(words, spec: spec)
        let today = store.today
        let caseload = try store.caseload()
        let rows = caseload.map { entry -> [Cell] in
            [.text(entry.caseID), .text(entry.childName), .text(entry.category), .text(entry.worker),
             Cell(entry.lastVisit?.description), Cell(entry.lastSeenAlone?.description), Cell(entry.deadline?.due.description),
             Cell(entry.daysOverdue(on: today)), Cell(entry.drafts), Cell(entry.conflicts)]
        }
        printTable(Table(columns: ["case", "child", "category", "worker", "last_visit", "last_seen_alone", "next_due",
                                   "days_overdue", "drafts", "conflicts"], rows: rows,
                         tones: caseload.map { Self.tone($0.deadline, today: today) },
                         optionalColumns: ["last_visit", "category"]))
    }

    /// `due [--within DAYS]`: statutory visits due within DAYS (default 14), overdue ones first.
    func listDue(_ words: [String], spec: CommandSpec) throws {
        let within = try intOption(words, "--within", of: "days", in: 0...366, default: 14, spec: spec)
        let today = store.today
        var tones: [Table.RowTone] = []
        let rows = try store.caseload().compactMap { entry -> [Cell]? in
            guard let deadline = entry.deadline, deadline.daysLeft(on: today) <= within else { return nil }
            tones.append(Self.tone(deadline, today: today))
            return [.text(entry.caseID), .text(entry.childName), .text(entry.category), .text(deadline.due.description),
                    Cell(deadline.daysLeft(on: today)), Cell(deadline.lastSeen?.description), .text(deadline.rule)]
        }
        printTable(Table(columns: ["case", "child", "category", "due", "days_left", "last_seen", "rule"], rows: rows, tones: tones))
    }

    func listOverdue(_ words: [String], spec: CommandSpec) throws {
        try requireNoArguments(words, spec: spec)
        let today = store.today
        let rows = try store.caseload().compactMap { entry -> [Cell]? in
            guard let deadline = entry.deadline, deadline.daysOverdue(on: today) > 0 else { return nil }
            return [.text(entry.caseID), .text(entry.childName), .text(entry.category), .text(entry.worker),
                    .text(deadline.due.description), Cell(deadline.daysOverdue(on: today)), Cell(deadline.lastSeen?.description),
                    .text(deadline.rule)]
        }
        printTable(Table(columns: ["case", "child", "category", "worker", "due", "days_overdue", "last_seen", "rule"], rows: rows,
                         tones: rows.map { _ in .alert }))
    }

    /// Red when overdue, yellow when due within a week (on a colour terminal).
    static func tone(_ deadline: VisitDeadline?, today: CivilDate) -> Table.RowTone {
        guard let deadline else { return .normal }
        if deadline.daysOverdue(on: today) > 0 { return .alert }
        return deadline.daysLeft(on: today) <= 7 ? .warning : .normal
    }

    func showCase(_ caseID: String) throws {
        let state = try store.caseState(caseID)
        if mode == .table {
            io.line("case \(caseID): \(state.value("child_name") ?? "")  (\(state.value("category") ?? ""))")
            var facts = ["born \(state.value("dob") ?? "?")", "worker \(state.value("worker") ?? "none")"]
            if let start = state.value("placement_start") { facts.append("placement started \(start)") }
            if let start = state.value("plan_start") { facts.append("plan started \(start)") }
            if state.value("long_term") == "yes" { facts.append("long-term placement") }
            io.line("\(facts.joined(separator: " · "))")
            if !state.conflictedFields.isEmpty {
                io.line("in conflict: \(state.conflictedFields.joined(separator: ", "))")
            }
            let history = try store.allocationHistory(caseID)
            if !history.isEmpty {
                let workers = try store.workersInLastYear(caseID)
                let spans = history.reversed().map { "\($0.worker) from \($0.from.prefix(10))" + ($0.to.map { " to \($0.prefix(10))" } ?? "") }
                paragraph("allocation: \(spans.joined(separator: "; ")) — \(workers) different worker\(workers == 1 ? "" : "s") in the last 12 months")
            }
            if let deadline = try store.caseload().first(where: { $0.caseID == caseID })?.deadline {
                let overdue = deadline.daysOverdue(on: store.today)
                paragraph("next statutory visit due \(deadline.due) (\(deadline.rule))\(overdue > 0 ? ": \(overdue) days overdue" : "")")
            }
            io.line()
        }
        let entries = try store.chronology(caseID)
        let rows = zip(entries, idCells(entries.map(\.recordID))).map { entry, id -> [Cell] in
            [.text(entry.occurredAt), .text(entry.type.rawValue), Cell(entry.status), Cell(entry.author), .text(entry.summary), id]
        }
        let records = Table(columns: ["when", "record", "status", "author", "summary", "id"], rows: rows, flowColumn: "summary")
        switch mode {
        case .table:
            printTable(records)
        case .csv, .line:
            // The case's own line first, then its records, each with its header line.
            printTable(try caseHeader(caseID, state))
            printTable(records)
        case .json:
            io.write(Table.jsonDocument([("case", try caseHeader(caseID, state), true), ("records", records, false)]))
        }
    }

    /// The case's details and next statutory visit as a one-row table, for csv and json.
    private func caseHeader(_ caseID: String, _ state: RecordState) throws -> Table {
        let deadline = try store.caseload().first(where: { $0.caseID == caseID })?.deadline
        let columns = ["case", "child", "category", "dob", "worker", "placement_start", "plan_start", "long_term", "next_due", "rule"]
        let row: [Cell] = [.text(caseID), Cell(state.value("child_name")), Cell(state.value("category")), Cell(state.value("dob")),
                           Cell(state.value("worker")), Cell(state.value("placement_start")), Cell(state.value("plan_start")),
                           Cell(state.value("long_term")), Cell(deadline.map { "\($0.due)" }), Cell(deadline?.rule)]
        return Table(columns: columns, rows: [row])
    }

    func show(_ words: [String], spec: CommandSpec) throws {
        let id = try recordArgument(CommandArguments(words), spec: spec)
        let snapshot = try store.snapshot(id)
        let state = snapshot.state
        var rows: [(String, String)] = [
            ("id", state.recordID),
            ("record", state.recordType.rawValue),
            ("case", state.caseID),
        ]
        if let status = state.status { rows.append(("status", status.rawValue)) }
        if let creation = state.creation {
            rows.append(("recorded", "\(creation.recordedAt) by \(creation.author) on device \(creation.id.deviceID.prefix(8))"))
        }
        if let last = state.lastChange, last.id != state.creation?.id {
            rows.append(("last change", "\(last.recordedAt) by \(last.author)"))
        }
        for skew in try store.clockSkews(of: state.recordID) {
            rows.append(("clock", "change \(skew.change.seq) by \(skew.author) was recorded on a device whose clock was \(skew.description) "
                         + "(its recorded time \(skew.recordedAt) came from that clock)"))
        }
        let effective = snapshot.effectiveValues
        let schema = state.recordType.schema
        var names = schema.fields.map { ($0.key, $0.name) }
        if state.status == .deleted { names.append(("delete_reason", RecordSchema.deleteReasonField)) }
        for (key, name) in names {
            let original = state.value(name)
            let now = effective[name]
            let register = state.fields[name]
            let amendmentConflict = snapshot.amendmentConflicts.first { $0.field == name }
            guard original != nil || now != nil || register?.isConflicted == true else { continue }
            var text = now ?? (original == nil ? "(no value)" : "(cleared)")
            if now != original { text += "   [amended; originally: \(original ?? "(empty)")]" }
            if let register, register.hasSiblings {
                let late = register.raced.isEmpty ? "" : ", \(register.raced.count) written without seeing the finalisation"
                text += "   [IN CONFLICT: \(register.current.count) versions\(late); see conflicts]"
            } else if let rule = register?.brokenRule {
                text += "   [IN CONFLICT: \(rule)]"
            }
            if let amendmentConflict {
                text += "   [IN CONFLICT: \(amendmentConflict.amendments.count) amendments made without seeing each other; see conflicts]"
            }
            rows.append((key, text))
        }
        for amendment in snapshot.amendments {
            let changes = amendment.corrections.map { "\(key(for: $0.field, in: schema))=\($0.value ?? "")" }
            rows.append(("amendment", "\(amendment.creation?.recordedAt ?? "") by \(amendment.creation?.author ?? "?"): "
                         + "\(amendment.value("reason") ?? "") (\(changes.joined(separator: ", "))) \(amendment.recordID)"))
        }
        if mode == .table {
            let width = rows.map(\.0.count).max() ?? 0
            for (key, value) in rows {
                let pad = String(repeating: " ", count: width - key.count)
                // A value over several lines continues under itself, never at the margin.
                io.line("\(key):\(pad) \(multiline: value, indent: width + 2)")
            }
        } else {
            printTable(Table(columns: ["field", "value"], rows: rows.map { [.text($0.0), .text($0.1)] }))
        }
    }

    private func key(for field: String, in schema: RecordSchema) -> String {
        schema.fields.first { $0.name == field }?.key ?? field
    }

    func history(_ words: [String], spec: CommandSpec) throws {
        let id = try recordArgument(CommandArguments(words), spec: spec)
        let changes = try store.history(id)
        if mode == .table {
            for (index, change) in changes.enumerated() {
                io.line("#\(index + 1)  \(change.recordedAt)  \(change.kind.rawValue) by \(change.author) on device \(change.id.deviceID.prefix(8))  (change \(change.id.short), hlc \(change.hlc))")
                io.line("    hash \(change.hash)")
                io.line("    prev \(change.previousHash)")
                for write in change.writes {
                    let value = write.value.map { $0.contains("\n") || $0.contains(" ") ? "\"\($0)\"" : $0 } ?? "(cleared)"
                    let replaces = write.supersedes.isEmpty ? "" : "   replaces " + write.supersedes.map(\.short).joined(separator: ", ")
                    io.line("    \(write.field) = \(multiline: value, indent: 6)\(replaces)")
                }
            }
            return
        }
        var rows: [[Cell]] = []
        for change in changes {
            for write in change.writes {
                rows.append([.text(change.recordedAt), .text(change.author), .text(change.id.deviceID),
                             .number(String(change.id.seq)), .text(change.kind.rawValue), .text(write.field),
                             Cell(write.value), .text(write.supersedes.map(\.description).joined(separator: " ")),
                             .text(change.hash)])
            }
        }
        printTable(Table(columns: ["recorded_at", "author", "device", "seq", "kind", "field", "value", "replaces", "hash"],
                         rows: rows))
    }

    func verify(_ words: [String], spec: CommandSpec) throws -> Outcome {
        try requireNoArguments(words, spec: spec)
        defer { warnIfStoreIsExposed() }
        let report = try store.verify()
        let counts = "\(report.changesChecked) changes on \(report.devices) device chain\(report.devices == 1 ? "" : "s"), \(report.recordsChecked) records"
        if report.isIntact {
            io.line("verified \(counts): intact")
            return .succeeded
        }
        io.line("verify FAILED on \(counts): \(report.problems.count) problem\(report.problems.count == 1 ? "" : "s")")
        for problem in report.problems { io.line("  \(problem)") }
        io.errorLine("error: the store does not match its change log (see above)")
        return .failed
    }
}
