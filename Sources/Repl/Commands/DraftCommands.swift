import Foundation
import Store

extension Interpreter {
    /// The word that names the record the person created last, wherever a command takes a RECORD.
    static let lastRecordWord = "last"

    /// `drafts`: the user's unfinished visits and notes, oldest first.
    func drafts(_ words: [String], spec: CommandSpec) throws {
        try requireNoArguments(words, spec: spec)
        let drafts = try store.drafts()
        if drafts.isEmpty, mode == .table {
            io.line("no drafts: every visit and note you started is final (or deleted)")
            return
        }
        let rows = zip(drafts, idCells(drafts.map(\.recordID))).map { draft, id -> [Cell] in
            [.text(draft.caseID), Cell(draft.childName), .text(draft.type.rawValue), Cell(draft.occurredAt),
             Cell(draft.ageInDays), .text(draft.summary), id]
        }
        printTable(Table(columns: ["case", "child", "record", "occurred", "age_days", "summary", "id"], rows: rows,
                         flowColumn: "summary"))
    }

    /// The full id of the record `reference` names: `last`, or whatever ``CaseStore/resolveRecordID(_:)``
    /// takes (a full id, a case id, a unique prefix). Every command that takes a RECORD comes here.
    ///
    /// `last` is the newest visit, note, amendment or oversight entry created in this session; if none yet,
    /// the newest the user created in this store. In table mode a line says which record it named, so that
    /// `finalise last` never acts on a record the person did not expect without saying so.
    func resolveRecord(_ reference: String) throws -> String {
        guard reference.lowercased() == Self.lastRecordWord else { return try store.resolveRecordID(reference) }
        guard let last = try store.lastRecord(createdAfter: sessionStart) else {
            throw ReplError.syntax("'last' names the newest visit, note, amendment or oversight entry you created, "
                                   + "and you (\(store.author)) have created none in this store")
        }
        if mode == .table {
            let when = last.thisSession ? "created in this session"
                : "created \(last.recordedAt ?? "earlier") (none yet in this session)"
            io.line("last: \(last.type.rawValue) \(last.recordID) on \(last.caseID), \(when)")
        }
        return last.recordID
    }
}
