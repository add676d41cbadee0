import Foundation
import Store

/// One thing Tab can complete to, and what is shown beside it when several match.
public struct CompletionCandidate: Sendable, Equatable {
    /// The word it completes to.
    public let text: String
    /// What it is, shown after it in the list (empty for command names and option words).
    public let detail: String

    public init(_ text: String, detail: String = "") {
        self.text = text
        self.detail = detail
    }

    /// The candidate as listed: the word, then what it is.
    public var display: String { detail.isEmpty ? text : text + "  " + detail }
}

/// What Tab does to a line: the line up to the cursor becomes ``replacement``; when exactly one candidate
/// matched it is ``isComplete`` (a space follows it), otherwise a second Tab lists ``candidates``.
public struct LineCompletion: Sendable, Equatable {
    /// The line up to the cursor, with the word being typed completed as far as every candidate agrees.
    public let replacement: String
    /// What matched, in the order found (the terminal sorts them); at most ``LineCompleter/listLimit``
    /// records among them.
    public let candidates: [CompletionCandidate]
    /// Records that matched but are not listed.
    public let unlisted: Int

    /// One candidate alone: the word is finished.
    public var isComplete: Bool { candidates.count == 1 && unlisted == 0 }

    /// The candidates as a second Tab lists them: each word, then its detail, the details lined up
    /// (short ids differ in length).
    public var listed: [String] {
        let width = candidates.filter { !$0.detail.isEmpty }.map(\.text.count).max() ?? 0
        return candidates.map { candidate in
            candidate.detail.isEmpty ? candidate.text
                : candidate.text.padding(toLength: max(width, candidate.text.count), withPad: " ", startingAt: 0) + "  " + candidate.detail
        }
    }
}

/// Tab completion for the REPL's line, as a pure function of the line and the store, so it is tested
/// without a terminal: a command name first; then what that command takes next. Record ids are offered
/// with their type, case, date and status, and limited to what the command can act on (`finalise` offers
/// the drafts the user may finalise, `amend` final records); `last` is offered wherever a RECORD goes.
///
/// The word offered for a record is its shortest unique prefix (8 characters or more, what `show`
/// accepts), or the full id once more than that has been typed.
public enum LineCompleter {
    /// At most this many records are listed; a second Tab says how many more there are.
    public static let listLimit = 40

    /// What each command completes in its first argument: records of some kind, cases, or both.
    private enum Argument {
        case records(RecordChoice, cases: Bool)
        case cases(extra: [String])
        case commands
        case words([String])
    }

    private static func firstArgument(of command: String) -> Argument? {
        switch command {
        case "show", "history": return .records(.any, cases: true)
        case "edit": return .records(.drafts, cases: true)
        case "finalise", "finalize", "delete": return .records(.finishable, cases: false)
        case "amend": return .records(.final, cases: false)
        case "resolve": return .records(.inConflict, cases: true)
        case "case": return .cases(extra: ["add"])
        case "visit", "note", "oversight": return .cases(extra: [])
        case "help": return .commands
        case ".mode": return .words(OutputMode.allCases.map(\.rawValue))
        default: return nil
        }
    }

    /// The completion of `line` (what is typed before the cursor), or `nil` when nothing matches.
    ///
    /// - Parameter sessionStart: where the session began, for what `last` names (``CaseStore/lastRecord(createdAfter:)``).
    public static func complete(_ line: String, store: CaseStore, sessionStart: Int64?) throws -> LineCompletion? {
        var words = line.split(whereSeparator: \.isWhitespace).map(String.init)
        let endsWord = line.last.map { !$0.isWhitespace } ?? false
        let partial = endsWord ? words.removeLast() : ""
        let head = String(line.dropLast(partial.count))
        // Words and case ids match as typed; records were matched by the store (capitals or not).
        var named: [CompletionCandidate] = []
        var records: RecordCompletions?
        if words.isEmpty {
            named = CommandCatalog.names.map { CompletionCandidate($0) }
        } else if words[0] == "search" {
            if words.last == "--case" {
                named = try caseCandidates(store)
            } else if partial.hasPrefix("-") {
                named = ["--case", "--deleted", "--limit", "--rebuild"].map { CompletionCandidate($0) }
            }
        } else if words.count == 1, let argument = firstArgument(of: words[0]) {
            switch argument {
            case .commands:
                named = CommandCatalog.names.map { CompletionCandidate($0) }
            case .words(let options):
                named = options.map { CompletionCandidate($0) }
            case .cases(let extra):
                named = extra.map { CompletionCandidate($0) } + (try caseCandidates(store))
            case .records(let choice, let cases):
                if let last = try store.lastRecord(createdAfter: sessionStart) {
                    let when = last.thisSession ? "this session" : "earlier"
                    named.append(CompletionCandidate(Interpreter.lastRecordWord,
                                                     detail: "your newest record: \(last.type.rawValue) on \(last.caseID), \(when)"))
                }
                if cases { named += try caseCandidates(store) }
                // A record id is hexadecimal with dashes: anything else typed is no record's prefix.
                if partial.allSatisfy({ $0.isHexDigit || $0 == "-" }) {
                    records = try store.recordCompletions(prefix: partial, choice: choice, limit: listLimit)
                }
            }
        }
        let candidates = named.filter { $0.text.hasPrefix(partial) } + (records.map { recordCandidates($0, typed: partial) } ?? [])
        guard !candidates.isEmpty else { return nil }
        let unlisted = records.map { $0.total - $0.records.count } ?? 0
        // The part every candidate shares, the records not listed included (their ids share the store's prefix).
        var shared = candidates.map(\.text)
        if let records, unlisted > 0 { shared.append(records.commonPrefix) }
        let common = shared.dropFirst().reduce(shared[0]) { common, text in
            String(zip(common, text).prefix { $0 == $1 }.map(\.0))
        }
        return LineCompletion(replacement: head + (common.count >= partial.count ? common : partial),
                              candidates: candidates, unlisted: unlisted)
    }

    private static func caseCandidates(_ store: CaseStore) throws -> [CompletionCandidate] {
        try store.caseSummaries().map { summary in
            let child = summary.childName.map { SafeText.escaped($0) } ?? "?"
            return CompletionCandidate(summary.caseID, detail: "case  \(child)" + (summary.category.map { " (\(SafeText.escaped($0)))" } ?? ""))
        }
    }

    /// Each record as its short id (or its full id once the typed prefix is longer), with its type, case,
    /// date and status lined up.
    private static func recordCandidates(_ found: RecordCompletions, typed: String) -> [CompletionCandidate] {
        let caseWidth = found.records.map(\.caseID.count).max() ?? 0
        return found.records.map { record in
            let text = typed.count >= record.shortID.count ? record.recordID : record.shortID
            let type = record.type.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)
            let caseID = SafeText.escaped(record.caseID).padding(toLength: caseWidth, withPad: " ", startingAt: 0)
            let occurred = record.occurredDay ?? "          "
            return CompletionCandidate(text, detail: "\(type)  \(caseID)  \(occurred)  \(record.status ?? "")")
        }
    }
}

extension Interpreter {
    /// The completion of `line` (up to the cursor) in this session, for the terminal's Tab.
    public func completion(for line: String) throws -> LineCompletion? {
        try LineCompleter.complete(line, store: store, sessionStart: sessionStart)
    }
}
