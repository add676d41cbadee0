import Foundation
import Store

extension Interpreter {
    func caseCommand(_ words: [String], spec: CommandSpec) throws {
        guard let first = words.first else {
            throw ReplError.usage(command: spec.name, usage: spec.usage, problem: "which case?")
        }
        if first == "add" {
            var arguments = CommandArguments(words.dropFirst())
            guard arguments.positional.count == 1, let id = arguments.positional.first else {
                throw ReplError.usage(command: "case add", usage: spec.usage, problem: "give one case id")
            }
            try askForMissing(&arguments, schema: RecordType.case.schema)
            try store.addCase(id: id, values: arguments.pairs)
            let state = try store.caseState(id)
            io.line("added case \(id): \(state.value("child_name") ?? ""), \(state.value("category") ?? ""), worker \(state.value("worker") ?? "")")
        } else {
            try requireNoArguments(Array(words.dropFirst()), spec: spec)
            try showCase(first)
        }
    }

    func recordVisit(_ words: [String], spec: CommandSpec) throws {
        var arguments = CommandArguments(words)
        guard arguments.positional.count == 1, let caseID = arguments.positional.first else {
            throw ReplError.usage(command: spec.name, usage: spec.usage,
                                  problem: arguments.positional.isEmpty ? "which case?" : "unexpected '\(arguments.positional[1])' (values need key=value)")
        }
        try askForMissing(&arguments, schema: RecordType.visit.schema)
        let id = try store.addVisit(caseID: caseID, values: arguments.pairs)
        io.line("recorded visit on \(caseID) (draft)")
        io.line(id)
    }

    /// `note CASE [category=..] [date=..] TEXT...`: the text is kept exactly as typed. Without text,
    /// the following lines up to a lone `.` are the note.
    func recordNote(_ rest: String, spec: CommandSpec) throws {
        var remainder = Substring(rest)
        func nextWord() -> Substring {
            remainder = remainder.drop { $0.isWhitespace }
            let word = remainder.prefix { !$0.isWhitespace }
            return word
        }
        let caseID = nextWord()
        guard !caseID.isEmpty else { throw ReplError.usage(command: spec.name, usage: spec.usage, problem: "which case?") }
        remainder = remainder.dropFirst(caseID.count)
        var pairs: [(key: String, value: String)] = []
        while true {
            let word = nextWord()
            guard let equals = word.firstIndex(of: "="), ["category", "date"].contains(String(word[..<equals])) else { break }
            pairs.append((String(word[..<equals]), String(word[word.index(after: equals)...])))
            remainder = remainder.dropFirst(word.count)
        }
        var body = remainder.trimmingCharacters(in: .whitespaces)
        if body.isEmpty {
            var lines: [String] = []
            while true {
                guard let line = io.readLine(prompt: Self.continuationPrompt) else {
                    throw ReplError.syntax("note not saved: the input ended before the lone '.' that closes the note")
                }
                if line.trimmingCharacters(in: .whitespaces) == "." { break }
                lines.append(line)
            }
            body = lines.joined(separator: "\n")
        }
        let id = try store.addNote(caseID: String(caseID), body: body, values: pairs)
        io.line("recorded note on \(caseID) (draft)")
        io.line(id)
    }

    /// On a terminal, asks for each required field not given; elsewhere the store reports them missing.
    func askForMissing(_ arguments: inout CommandArguments, schema: RecordSchema) throws {
        guard io.isInteractive else { return }
        for field in schema.fields where field.requiredOnCreate {
            if arguments.pairs.contains(where: { schema.field(forKey: $0.key)?.name == field.name }) { continue }
            guard let answer = ask("\(field.key) (\(field.summary); \(field.kind.expectation))") else {
                throw ReplError.syntax("nothing saved: \(field.key) is required")
            }
            arguments.pairs.append((field.key, answer))
        }
    }
}
