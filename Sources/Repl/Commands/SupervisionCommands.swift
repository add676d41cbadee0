import Foundation
import Store

extension Interpreter {
    /// `team` or `team overdue`.
    func team(_ words: [String], spec: CommandSpec) throws {
        switch words {
        case []:
            let summaries = try store.teamSummary()
            let rows = summaries.map { s -> [Cell] in
                [.text(s.worker), Cell(s.cases), Cell(s.overdue), Cell(s.drafts), Cell(s.late), Cell(s.conflicts)]
            }
            printTable(Table(columns: ["worker", "cases", "overdue", "drafts", "late", "conflicts"], rows: rows,
                             tones: summaries.map { $0.overdue > 0 ? .alert : .normal }))
        case ["overdue"]:
            try listOverdue([], spec: spec)
        default:
            throw ReplError.usage(command: spec.name, usage: spec.usage, problem: "unexpected '\(words.joined(separator: " "))'")
        }
    }

    /// `oversight CASE TEXT...`: the text as typed, final at once.
    func recordOversight(_ rest: String, spec: CommandSpec) throws {
        let caseID = String(rest.prefix { !$0.isWhitespace })
        let text = rest.dropFirst(caseID.count).trimmingCharacters(in: .whitespaces)
        guard !caseID.isEmpty, !text.isEmpty else {
            throw ReplError.usage(command: spec.name, usage: spec.usage, problem: caseID.isEmpty ? "which case?" : "write the oversight after the case id")
        }
        let id = try store.addOversight(caseID: caseID, body: text)
        io.line("recorded management oversight on \(caseID) (final)")
        io.line("\(id)")
    }

    /// `not-seen-alone [--visits N]`: children not seen alone on any of their last N visits (default 2).
    func notSeenAlone(_ words: [String], spec: CommandSpec) throws {
        let count = try intOption(words, "--visits", of: "visits", in: 1...50, default: 2, spec: spec)
        let rows = try store.notSeenAlone(visits: count).map { entry -> [Cell] in
            let visits = entry.visits.map { "\($0.date) (\($0.reason ?? "no reason recorded"))" }.joined(separator: "; ")
            return [.text(entry.caseID), .text(entry.childName), .text(entry.worker), .text(visits), Cell(entry.lastSeenAlone?.description)]
        }
        printTable(Table(columns: ["case", "child", "worker", "last_visits_not_alone", "last_seen_alone"], rows: rows))
    }

    /// `late`: visits and notes written after the recording standard.
    func late(_ words: [String], spec: CommandSpec) throws {
        try requireNoArguments(words, spec: spec)
        let recordings = try store.lateRecordings()
        let rows = zip(recordings, idCells(recordings.map(\.recordID))).map { late, id -> [Cell] in
            [.text(late.caseID), .text(late.visitType.map { "\(late.type.rawValue) (\($0))" } ?? late.type.rawValue), .text(late.author),
             .text(late.occurred.description), .text(late.recorded.description), .text(late.deadline.description),
             Cell(late.workingDaysLate), id]
        }
        printTable(Table(columns: ["case", "record", "author", "happened", "recorded", "due_by", "working_days_late", "id"], rows: rows,
                         optionalColumns: ["due_by", "recorded"]))
    }
}
