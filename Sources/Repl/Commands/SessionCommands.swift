import Foundation
import Store

extension Interpreter {
    func runSQL(_ query: String) throws {
        guard !query.isEmpty else {
            throw ReplError.usage(command: "sql", usage: "sql SELECT ...", problem: "give a query")
        }
        // Ctrl-C at the terminal stops the query (and only it): the error says so and the prompt returns.
        let result: QueryResult
        do {
            result = try ReadOnlyQuery.run(path: store.path, sql: query, interrupted: io.interruption)
        } catch where io.interruption() {
            // The terminal echoed ^C where the cursor was: the error starts on a line of its own.
            io.line()
            throw error
        }
        let rows = result.rows.map { row in
            row.map { value -> Cell in
                switch value {
                case .null: return .empty
                case .integer, .real: return .number(value.description)
                case .text, .blob: return .text(value.description)
                }
            }
        }
        printTable(Table(columns: result.columns, rows: rows))
        switch result.truncation {
        case .rows?:
            io.errorLine("note: only the first \(ReadOnlyQuery.maximumRows) rows are shown; add LIMIT or WHERE")
        case .bytes?:
            let megabytes = ReadOnlyQuery.maximumResultBytes / 1024 / 1024
            io.errorLine("note: only the first \(result.rows.count) rows are shown, \(megabytes) MiB of text; ask for fewer rows or columns (LIMIT, WHERE, substr)")
        case nil:
            break
        }
    }

    func setMode(_ words: [String], spec: CommandSpec) throws {
        if words.isEmpty {
            io.line("mode \(mode.rawValue)")
            return
        }
        guard words.count == 1, let mode = OutputMode(rawValue: words[0]) else {
            throw ReplError.usage(command: spec.name, usage: spec.usage,
                                  problem: words.isEmpty ? "the mode is \(self.mode.rawValue)" : "no mode '\(words.joined(separator: " "))'")
        }
        self.mode = mode
    }

    func help(_ words: [String]) throws {
        guard let name = words.first else {
            io.line("Commands (help COMMAND for details):")
            let width = CommandCatalog.all.map(\.name.count).max() ?? 0
            for spec in CommandCatalog.all {
                io.line("  \(spec.name)\(String(repeating: " ", count: width - spec.name.count))  \(spec.summary)")
            }
            io.line("RECORD is a full id, at least 6 characters of one, or last (the record you created last); values with spaces go in quotes.")
            return
        }
        guard let spec = CommandCatalog.spec(name) else {
            throw ReplError.unknownCommand(name, suggestion: CommandCatalog.suggestion(for: name))
        }
        io.line("usage: \(spec.usage)")
        io.line("\(spec.summary)")
        if !spec.aliases.isEmpty { io.line("also: \(spec.aliases.joined(separator: ", "))") }
        if !spec.details.isEmpty { io.line("\(multiline: spec.details, indent: 0)") }
    }
}
