import Foundation
import Store

/// What an analyst expects from sqlite3 and psql: the views and their columns, results to a file, and
/// queries over several lines.
extension Interpreter {
    /// `.tables`: the documented views, with their row counts and columns.
    func listViews(_ words: [String], spec: CommandSpec) throws {
        try requireNoArguments(words, spec: spec)
        let views = try store.viewDescriptions()
        printTable(Table(columns: ["view", "rows", "columns"],
                         rows: views.map { [.text($0.name), Cell($0.rows), .text($0.columns.joined(separator: ", "))] },
                         flowColumn: "columns"))
    }

    /// `.schema [VIEW]` and `\d [VIEW]`: the columns of one view (or of every view), in order.
    func describeViews(_ words: [String], spec: CommandSpec) throws {
        guard words.count <= 1 else {
            throw ReplError.usage(command: spec.name, usage: spec.usage, problem: "give one view, or none for all of them")
        }
        let views = try words.first.map { [try store.viewDescription($0)] } ?? store.viewDescriptions()
        var rows: [[Cell]] = []
        for view in views {
            for (index, column) in view.columns.enumerated() {
                rows.append([.text(view.name), Cell(index + 1), .text(column)])
            }
        }
        printTable(Table(columns: ["view", "position", "column"], rows: rows))
        if mode == .table { io.line("docs/SQL.md says what each column holds; sql SELECT ... FROM VIEW reads it") }
    }

    /// `.output FILE` sends results to a new file until `.output` alone; `.output` says where they go.
    func redirectOutput(_ words: [String], spec: CommandSpec) throws {
        guard words.count <= 1 else {
            throw ReplError.usage(command: spec.name, usage: spec.usage, problem: "give one file name (quote it if it has spaces)")
        }
        let previous = outputFile
        if let path = words.first {
            let file = try FileOutputIO(path: path, base: terminal)
            try closeOutputFile()
            outputFile = file
            terminal.errorLine("results go to \(path) until .output")
        } else if let previous {
            try closeOutputFile()
            terminal.errorLine("results go to the screen again (\(previous.path) is closed)")
        } else {
            terminal.errorLine("results go to the screen")
        }
    }

    /// Closes the `.output` file, if any; a write that failed on the way (a full disk) is reported here.
    func closeOutputFile() throws {
        guard let file = outputFile else { return }
        outputFile = nil
        do {
            try file.close()
        } catch {
            throw ReplError.syntax("\(file.path) is incomplete: writing it failed (\(error))")
        }
    }

    /// A query over several lines: the first line (`sql` and what follows) and the next ones, until a line
    /// ending in `;`. Asked for when the first line is bare `sql` or visibly unfinished.
    func completeQuery(_ first: String) throws -> String {
        guard SQLContinuation.isUnfinished(first) else { return first }
        var query = first
        while !SQLContinuation.isEnded(query) {
            guard let line = try readText(prompt: Self.continuationPrompt) else {
                throw ReplError.syntax("the query ended without ';': nothing ran")
            }
            query += (query.isEmpty ? "" : "\n") + line
            guard query.utf8.count <= SQLContinuation.maximumLength else {
                throw ReplError.syntax("the query is longer than \(SQLContinuation.maximumLength / 1024) KiB: nothing ran")
            }
        }
        return query
    }
}

/// When a query typed after `sql` goes on to the next line.
///
/// One line is one query, as it always was, so scripts written for one-line `sql` behave the same. A
/// query continues on the next lines, up to a line ending in `;`, when its first line is plainly not the
/// whole of it: nothing after `sql`, an unclosed bracket or quote, or a last word that cannot end a
/// query (`SELECT`, `FROM`, `WHERE`, `AND`, a comma, ...).
enum SQLContinuation {
    static let maximumLength = 64 * 1024

    private static let unfinishedEndings: Set<String> = [
        "select", "from", "where", "and", "or", "not", "join", "on", "by", "group", "order", "having", "union",
        "all", "as", "in", "is", "like", "between", "case", "when", "then", "else", "distinct", "with", "inner",
        "left", "cross", "outer", "limit", "offset", "except", "intersect",
    ]

    static func isUnfinished(_ query: String) -> Bool {
        let trimmed = query.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return true }
        if isEnded(trimmed) { return false }
        if !isBalanced(trimmed) { return true }
        if let last = trimmed.last, ",(=<>+-*/|".contains(last) { return true }
        let lastWord = trimmed.split(whereSeparator: { $0.isWhitespace }).last.map { $0.lowercased() } ?? ""
        return unfinishedEndings.contains(lastWord)
    }

    /// Ends in `;` outside any quote or bracket.
    static func isEnded(_ query: String) -> Bool {
        query.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix(";") && isBalanced(query)
    }

    /// No quote left open and no bracket unclosed.
    static func isBalanced(_ query: String) -> Bool {
        var quote: Character?
        var depth = 0
        for character in query {
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "'" || character == "\"" {
                quote = character
            } else if character == "(" {
                depth += 1
            } else if character == ")" {
                depth -= 1
            }
        }
        return quote == nil && depth <= 0
    }
}
