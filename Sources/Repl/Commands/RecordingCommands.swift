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
            try checkTyped(arguments.pairs, schema: RecordType.case.schema)
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
        // A mistyped case, key or value is reported before any question, so nothing typed in answer is lost.
        _ = try store.caseState(caseID)
        try checkTyped(arguments.pairs, schema: RecordType.visit.schema)
        let typed = arguments.pairs.count
        try askForMissing(&arguments, schema: RecordType.visit.schema)
        let id: String
        do {
            id = try store.addVisit(caseID: caseID, values: arguments.pairs)
        } catch {
            // Answers are never thrown away: what was typed in answer comes back, to be recorded again.
            offerBack(arguments.pairs.dropFirst(typed), schema: RecordType.visit.schema)
            throw error
        }
        io.line("recorded visit on \(caseID) (draft)")
        io.line("\(id)")
    }

    /// Refuses an unknown key or a value its field cannot take, before anything is asked.
    func checkTyped(_ pairs: [(key: String, value: String)], schema: RecordSchema) throws {
        for (key, value) in pairs {
            guard let field = schema.field(forKey: key) else {
                throw StoreError.unknownKey(key, type: schema.type, valid: schema.keys)
            }
            if let expected = store.problem(with: value, for: field, in: schema) {
                throw StoreError.invalidValue(key: key, value: value, expected: expected)
            }
        }
    }

    /// Prints answers given to questions, when what they were for was not saved.
    private func offerBack<Answers: Collection>(_ answers: Answers, schema: RecordSchema) where Answers.Element == (key: String, value: String) {
        guard io.isInteractive, !answers.isEmpty else { return }
        io.errorLine("nothing was saved; your answers, to record them again:", prefix: "")
        for (key, value) in answers {
            io.errorLine("  \(key): \(multiline: value, indent: 4)", prefix: "")
        }
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
        let keys = ["category", "date"]
        while true {
            let word = nextWord()
            guard let equals = word.firstIndex(of: "=") else { break }
            let key = String(word[..<equals])
            guard keys.contains(key) else {
                // `categry=phone` is far likelier a misspelt key than the note's first word: saving it as the
                // text would file a phone call as a general note without a word.
                if Self.looksLikeAKey(key) {
                    throw ReplError.syntax("note not saved: '\(key)' is not a key of a note (the keys before the text are "
                        + keys.joined(separator: " and ") + "); if the note really starts with '\(key)=', type "
                        + "'note \(caseID)' and the text on the lines after it")
                }
                break
            }
            pairs.append((key, String(word[word.index(after: equals)...])))
            remainder = remainder.dropFirst(word.count)
        }
        var body = remainder.trimmingCharacters(in: .whitespaces)
        if body.isEmpty {
            if io.isInteractive { io.line("Type the note; end it with a line holding only '.' (Ctrl-D gives up).") }
            guard let lines = try readUntilLoneDot() else {
                throw ReplError.syntax("note not saved: the input ended before the lone '.' that closes the note")
            }
            body = lines.joined(separator: "\n")
        }
        let id = try store.addNote(caseID: String(caseID), body: body, values: pairs)
        io.line("recorded note on \(caseID) (draft)")
        io.line("\(id)")
    }

    /// A word before `=` that reads as a key: 2 to 20 lower-case letters or `_`.
    static func looksLikeAKey(_ word: String) -> Bool {
        (2...20).contains(word.count) && word.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || $0 == "_" }
    }

    /// On a terminal, asks for each required field not given; elsewhere the store reports them missing.
    ///
    /// A statutory visit is then asked for what its finalisation will need (seen, seen alone or why not,
    /// the child's wishes and feelings); those may be left blank and added later with `edit`.
    func askForMissing(_ arguments: inout CommandArguments, schema: RecordSchema) throws {
        guard io.isInteractive else { return }
        func given(_ name: String) -> String? {
            arguments.pairs.last(where: { schema.field(forKey: $0.key)?.name == name })?.value
        }
        for field in schema.fields where field.requiredOnCreate && given(field.name) == nil {
            guard let answer = try askField(field, of: schema, optional: false) else {
                throw ReplError.syntax("nothing saved: \(field.key) is required")
            }
            arguments.pairs.append((field.key, answer))
        }
        guard schema.type == .visit, given("type")?.lowercased() == "statutory" else { return }
        let yes: Set<String> = ["yes", "y", "true", "1"], no: Set<String> = ["no", "n", "false", "0"]
        for name in ["seen", "seen_alone", "alone_reason", "wishes"] where given(name) == nil {
            guard let field = schema.fields.first(where: { $0.name == name }) else { continue }
            if name == "seen_alone" && !yes.contains(given("seen")?.lowercased() ?? "") { continue }
            if name == "alone_reason" && !no.contains(given("seen_alone")?.lowercased() ?? "") { continue }
            // An answer that breaks reg 29's rules with what the line gave is refused at its question, not
            // after the child's wishes and feelings have been typed.
            func normalised(_ value: String) -> String {
                yes.contains(value.lowercased()) ? "yes" : no.contains(value.lowercased()) ? "no" : value
            }
            let answer = try askField(field, of: schema, optional: true) { answer in
                var values: [String: String] = [:]
                for other in ["seen", "seen_alone", "alone_reason"] { values[other] = given(other).map(normalised) }
                values[name] = normalised(answer)
                return VisitConsistency.violations(values).first?.message
            }
            if let answer { arguments.pairs.append((field.key, answer)) }
        }
    }

    /// Fields whose answers are prose: asked for over several lines, ending with a lone '.'.
    static let proseFields: Set<String> = ["wishes", "observations", "analysis", "actions", "body", "reason"]

    /// Asks for one field until the answer is acceptable; `nil` when left blank (or input ends).
    ///
    /// - Parameter inconsistency: what is wrong with an answer given the rest of the visit, if anything.
    private func askField(_ field: FieldSpec, of schema: RecordSchema, optional: Bool,
                          inconsistency: (String) -> String? = { _ in nil }) throws -> String? {
        let blank = optional ? "; blank to add later" : ""
        while true {
            let answer: String?
            if Self.proseFields.contains(field.name) {
                answer = try askProse("\(field.key) (\(field.summary); one or more lines, end with a lone '.'\(blank))")
            } else {
                answer = try ask("\(field.key) (\(field.summary); \(field.kind.expectation)\(blank))")
            }
            guard let answer else { return nil }
            if let problem = store.problem(with: answer, for: field, in: schema) {
                io.errorLine("\(field.key)=\(answer.prefix(60)) is not valid: expected \(problem); try again")
            } else if let conflict = inconsistency(answer) {
                io.errorLine("\(conflict); answer again, or leave it blank")
            } else {
                return answer
            }
        }
    }

    /// Lines up to a lone '.', joined; `nil` if the first is blank or '.'. If input ends first, what was
    /// typed is the answer.
    private func askProse(_ question: String) throws -> String? {
        guard let first = try ask(question), first != "." else { return nil }
        return ([first] + (try readUntilLoneDot(keepingAtEnd: true) ?? [])).joined(separator: "\n")
    }

    /// The lines typed after a continuation prompt, up to a lone '.'. At the end of input: `nil`, or with
    /// `keepingAtEnd` the lines read so far.
    private func readUntilLoneDot(keepingAtEnd: Bool = false) throws -> [String]? {
        var lines: [String] = []
        while true {
            guard let line = try readText(prompt: Self.continuationPrompt) else { return keepingAtEnd ? lines : nil }
            if line.trimmingCharacters(in: .whitespaces) == "." { return lines }
            lines.append(line)
        }
    }
}
