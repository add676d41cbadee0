import Foundation
import Store

/// Reads commands, runs them against a ``CaseStore``, and prints results.
///
/// Used the same way by the terminal, by piped scripts and by tests: only the ``ReplIO`` differs.
/// Scripts stop at the first failing command (exit status 1) unless `keepGoing` is set; a person at a
/// terminal just sees the error and carries on.
public final class Interpreter {
    /// The store; reopened under the enrolled user's name after `enrol`.
    public internal(set) var store: CaseStore
    /// Where commands are read and questions asked: the terminal, a pipe or a test.
    let terminal: ReplIO
    /// The file results go to after `.output FILE`, until `.output` alone.
    var outputFile: FileOutputIO?
    /// Where results go: the `.output` file if one is open, else the terminal.
    var io: ReplIO { outputFile ?? terminal }
    let keepGoing: Bool
    /// How tables are printed; `.mode` changes it.
    public var mode: OutputMode = .table
    /// The number of the command line being run, for script error messages.
    private var lineNumber = 0

    public enum Outcome: Equatable {
        case succeeded
        case failed
        case quit
    }

    /// Reaches the central peer for `enrol` and `sync`; `nil` where there is no network.
    let connector: (any SyncConnector)?

    /// This device's latest change when the session began: records created after it are this session's,
    /// for `last`. `nil` if the store could not say (`last` then looks in the whole store).
    let sessionStart: Int64?

    public init(store: CaseStore, io: ReplIO, keepGoing: Bool = false, connector: (any SyncConnector)? = nil) {
        self.store = store
        self.terminal = io
        self.keepGoing = keepGoing
        self.connector = connector
        sessionStart = try? store.changeHead()
    }

    /// Every command name and alias, for tab completion.
    /// The commands' names, for tab completion. Aliases (finalize, enroll, ...) still work but are not
    /// offered: with them, Tab would stop at `finali` instead of completing `finalise`.
    public static var commandNames: [String] { CommandCatalog.all.map(\.name) }

    /// The prompt for a command (answers to questions have other prompts).
    public static let prompt = "fieldbook> "
    static let continuationPrompt = "....... "

    /// Runs commands until the input ends or `quit`. Returns the process exit status: for a script, 0
    /// when every command succeeded and 1 when one failed; for a person at a terminal, 0 (a mistyped
    /// command was answered there and then, and is no failure of the session).
    public func run() -> Int32 {
        var failures = 0
        while let line = io.readLine(prompt: Self.prompt) {
            lineNumber += 1
            switch execute(line) {
            case .quit:
                if !finishOutput() { failures += 1 }
                return failures == 0 || io.isInteractive ? 0 : 1
            case .failed:
                failures += 1
                if !io.isInteractive && !keepGoing { return 1 }
            case .succeeded:
                break
            }
        }
        if io.isInteractive { terminal.line() }
        if !finishOutput() { failures += 1 }
        return failures == 0 || io.isInteractive ? 0 : 1
    }

    /// Closes an `.output` file left open at the end; `false` if writing it had failed (said on stderr).
    private func finishOutput() -> Bool {
        do {
            try closeOutputFile()
            return true
        } catch {
            terminal.errorLine("\(error)", prefix: terminal.errorStyle.paint("error:", .alert) + " ")
            return false
        }
    }

    /// Runs one command line, printing its result or its error.
    @discardableResult
    public func execute(_ line: String) -> Outcome {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty || trimmed.hasPrefix("#") { return .succeeded }
        do {
            if let problem = TypedText.problem(in: trimmed) { throw ReplError.syntax(problem) }
            return try dispatch(trimmed)
        } catch {
            let location = io.isInteractive || lineNumber == 0 ? "" : "line \(lineNumber): "
            let message = DiskFull.matches(error) ? DiskFull.message : "\(error)"
            // The message may quote the store or the peer (a case id, a reason): escaped like any output.
            io.errorLine("\(location)\(message)", prefix: io.errorStyle.paint("error:", .alert) + " ")
            return .failed
        }
    }

    private func dispatch(_ line: String) throws -> Outcome {
        let name = String(line.prefix { !$0.isWhitespace })
        let rest = line.dropFirst(name.count).trimmingCharacters(in: .whitespaces)
        guard let spec = CommandCatalog.spec(name) else {
            throw ReplError.unknownCommand(name, suggestion: CommandCatalog.suggestion(for: name))
        }
        // `case add` may ask for what its line left out: its questions must not wait behind a pager.
        if spec.pages && !(spec.name == "case" && rest.hasPrefix("add")) {
            io.holdOutput()
        }
        defer { io.releaseOutput() }
        switch spec.name {
        // Commands that take their text as typed, not split into words.
        case "sql": try runSQL(try completeQuery(rest))
        case "note": try recordNote(rest, spec: spec)
        case "oversight": try recordOversight(rest, spec: spec)
        case "search": try search(rest, spec: spec)
        default:
            let words = try Tokenizer.words(rest)
            switch spec.name {
            case "cases": try listCases(words, spec: spec)
            case "due": try listDue(words, spec: spec)
            case "overdue": try listOverdue(words, spec: spec)
            case "team": try team(words, spec: spec)
            case "not-seen-alone": try notSeenAlone(words, spec: spec)
            case "late": try late(words, spec: spec)
            case "rules": try rules(words, spec: spec)
            case "case": try caseCommand(words, spec: spec)
            case "visit": try recordVisit(words, spec: spec)
            case "edit": try edit(words, spec: spec)
            case "finalise": try finalise(words, spec: spec)
            case "amend": try amend(words, spec: spec)
            case "delete": try delete(words, spec: spec)
            case "show": try show(words, spec: spec)
            case "history": try history(words, spec: spec)
            case "chronology": try chronology(words, spec: spec)
            case "export": try export(words, spec: spec)
            case "drafts": try drafts(words, spec: spec)
            case "verify": return try verify(words, spec: spec)
            case "enrol": try enrol(words, spec: spec)
            case "sync": try sync(words, spec: spec)
            case "status": try status(words, spec: spec)
            case "conflicts": try conflicts(words, spec: spec)
            case "resolve": try resolve(words, spec: spec)
            case "rejected": try rejected(words, spec: spec)
            case ".mode": try setMode(words, spec: spec)
            case ".tables": try listViews(words, spec: spec)
            case ".schema": try describeViews(words, spec: spec)
            case ".output": try redirectOutput(words, spec: spec)
            case "help": try help(words)
            case "quit": return .quit
            default: throw ReplError.unknownCommand(name, suggestion: nil)
            }
        }
        return .succeeded
    }

    // MARK: - Shared helpers


    /// The single record argument of a command, resolved to a full id.
    func recordArgument(_ arguments: CommandArguments, spec: CommandSpec) throws -> String {
        guard arguments.positional.count == 1, let reference = arguments.positional.first else {
            // `edit ID observations`: a key without its value reads as a second record.
            if arguments.positional.count == 2, spec.usage.contains("key=value") {
                let key = arguments.positional[1]
                throw ReplError.usage(command: spec.name, usage: spec.usage,
                                      problem: "'\(key)' needs a value: \(key)=TEXT (an empty value, \(key)=, clears it)")
            }
            throw ReplError.usage(command: spec.name, usage: spec.usage,
                                  problem: arguments.positional.isEmpty ? "which record?" : "give one record")
        }
        return try resolveRecord(reference)
    }

    /// Parses an optional `--name N` (the only argument a command takes), with N in `range`.
    func intOption(_ words: [String], _ name: String, of unit: String, in range: ClosedRange<Int>, default value: Int,
                   spec: CommandSpec) throws -> Int {
        if words.isEmpty { return value }
        guard words.count == 2, words[0] == name, let n = Int(words[1]), range.contains(n) else {
            throw ReplError.usage(command: spec.name, usage: spec.usage,
                                  problem: "\(name) takes a number of \(unit) from \(range.lowerBound) to \(range.upperBound)")
        }
        return n
    }

    func requireNoArguments(_ words: [String], spec: CommandSpec) throws {
        if let extra = words.first {
            throw ReplError.usage(command: spec.name, usage: spec.usage, problem: "unexpected '\(extra)'")
        }
    }

    /// A line of prose, wrapped at spaces to the terminal's width (continuation lines indented by
    /// `indent`); in a pipe, one line as ever.
    func paragraph(_ text: OutputLine, indent: Int = 2) {
        guard let width = io.style.width, text.text.count > width else { return io.line(text) }
        let lines = TableLayout.wrapped(text.text, width: width, lines: Int.max, indent: indent)
        io.write(lines.joined(separator: "\n") + "\n")
    }

    /// Record ids for a table's rows: in full in csv and json, by their shortest unique prefix where a
    /// narrow terminal needs the room (all looked up in one read).
    func idCells(_ recordIDs: [String]) -> [Cell] {
        let prefixes = (try? store.uniquePrefixes(of: recordIDs)) ?? [:]
        return recordIDs.map { .recordID($0, short: prefixes[$0] ?? $0) }
    }

    func printTable(_ table: Table) {
        io.write(table.render(mode, style: io.style))
    }

    /// Asks for a value at the terminal; `nil` if the person gives nothing (or input ends).
    func ask(_ question: String) throws -> String? {
        guard let answer = try readText(prompt: question + ": ") else { return nil }
        let trimmed = answer.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty ? nil : trimmed
    }

    /// The next line of an answer or of a note's text, or `nil` at the end of input. A line holding a
    /// control character (``TypedText``) is refused: at a terminal it is asked for again; in a script the
    /// command fails and nothing of it is saved.
    func readText(prompt: String) throws -> String? {
        while let line = io.readLine(prompt: prompt) {
            guard let problem = TypedText.problem(in: line) else { return line }
            guard io.isInteractive else { throw ReplError.syntax(problem) }
            io.errorLine("\(problem); type the line again")
        }
        return nil
    }
}
