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
                paragraph("  \(spec.name)\(String(repeating: " ", count: width - spec.name.count))  \(spec.summary)",
                          indent: width + 4)
            }
            paragraph("RECORD is a full id, at least 6 characters of one, or last (the record you created last); values with spaces go in quotes.", indent: 0)
            return
        }
        guard let spec = CommandCatalog.spec(name) else {
            throw ReplError.unknownCommand(name, suggestion: CommandCatalog.suggestion(for: name))
        }
        paragraph("usage: \(spec.usage)", indent: 7)
        paragraph("\(spec.summary)", indent: 0)
        if !spec.aliases.isEmpty { io.line("also: \(spec.aliases.joined(separator: ", "))") }
        // The details are the program's own text, laid out for a wide window. At a terminal, prose lines
        // are joined and wrapped to its width; a list entry that wraps continues under its text (after
        // `key  `); an example command is left whole, to be copied.
        guard io.style.width != nil else {
            if !spec.details.isEmpty { io.line("\(multiline: spec.details, indent: 0)") }
            return
        }
        for (text, indent) in Self.helpParagraphs(spec.details) {
            if indent == nil { io.line(OutputLine(stringLiteral: text)) } else { paragraph(OutputLine(stringLiteral: text), indent: indent ?? 0) }
        }
    }

    /// The lines of a command's details joined into paragraphs, each with its hanging indent (`nil`: do
    /// not wrap, an example command).
    static func helpParagraphs(_ details: String) -> [(String, Int?)] {
        guard !details.isEmpty else { return [] }
        var paragraphs: [(String, Int?)] = []
        for line in details.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            let leading = line.prefix { $0 == " " }.count
            let hanging = hangingIndent(Substring(line))
            if let (previous, indent) = paragraphs.last, let indent, !previous.hasSuffix(":"), leading > 0 || indent == 0,
               leading == indent, hanging == leading, !line.isEmpty, !line.hasSuffix(":") {
                paragraphs[paragraphs.count - 1] = (previous + " " + line.dropFirst(leading), indent)
                continue
            }
            let isCommand = leading > 0 && hanging == leading
            paragraphs.append((line, isCommand ? nil : hanging))
        }
        return paragraphs
    }

    /// Where a wrapped line of help continues: under the text after a `key  ` column, else under its
    /// own first character.
    static func hangingIndent(_ line: Substring) -> Int {
        let leading = line.prefix { $0 == " " }.count
        let body = line.dropFirst(leading)
        if let gap = body.range(of: "  "), gap.lowerBound > body.startIndex {
            let afterGap = body[gap.upperBound...].prefix { $0 == " " }.count
            return leading + body.distance(from: body.startIndex, to: gap.upperBound) + afterGap
        }
        return leading
    }
}
