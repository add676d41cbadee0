import Foundation
import Store

extension Interpreter {
    /// What `search` was asked: the text to look for and its options.
    struct SearchRequest: Equatable {
        var text = ""
        var caseID: String?
        var includeDeleted = false
        var limit = CaseStore.searchLimit
        var rebuild = false
    }

    /// `search TEXT [--case ID] [--deleted] [--limit N]`, or `search --rebuild`.
    ///
    /// The text is taken as typed, not split like other commands' words: an apostrophe (`Mum's`) or a
    /// quote is part of what is looked for, never an unclosed quote. Options are the words starting `--`.
    func search(_ rest: String, spec: CommandSpec) throws {
        let request = try Self.searchRequest(rest, spec: spec)
        if request.rebuild {
            let count = try store.rebuildSearchIndex()
            io.line("made the search index again from the records: \(count) visits, notes and oversight entries")
            return
        }
        let results = try store.search(request.text, caseID: request.caseID, includeDeleted: request.includeDeleted,
                                       limit: request.limit)
        if mode == .table {
            printSearchResults(results)
            return
        }
        printTable(Table(columns: ["case", "record", "occurred", "status", "author", "id", "field", "snippet"],
                         rows: results.hits.map { hit in
                             [.text(hit.caseID), .text(hit.recordType.rawValue), Cell(hit.occurredAt), Cell(hit.status),
                              Cell(hit.author), .text(hit.recordID), .text(Self.label(hit)), .text(hit.snippet.marked())]
                         }))
    }

    static func searchRequest(_ rest: String, spec: CommandSpec) throws -> SearchRequest {
        var request = SearchRequest()
        var text: [Substring] = []
        var words = rest.split(whereSeparator: \.isWhitespace)[...]
        func usage(_ problem: String) -> ReplError { ReplError.usage(command: spec.name, usage: spec.usage, problem: problem) }
        while let word = words.popFirst() {
            switch word {
            case "--case":
                guard let caseID = words.popFirst() else { throw usage("--case needs a case id") }
                request.caseID = String(caseID)
            case "--deleted":
                request.includeDeleted = true
            case "--limit":
                guard let number = words.popFirst().flatMap({ Int($0) }), (1...1000).contains(number) else {
                    throw usage("--limit takes a number of records from 1 to 1000")
                }
                request.limit = number
            case "--rebuild":
                request.rebuild = true
            case _ where word.hasPrefix("--") && word.count > 2 && word.dropFirst(2).allSatisfy(\.isLetter):
                throw usage("unknown option \(word): the options are --case ID, --deleted, --limit N and --rebuild")
            default:
                text.append(word)
            }
        }
        request.text = text.joined(separator: " ")
        if request.rebuild, !text.isEmpty || request.caseID != nil {
            throw usage("--rebuild takes nothing else")
        }
        return request
    }

    /// Each record as a line of facts, then the words in context under it, indented; the matched words are
    /// highlighted on a colour terminal and between [ ] elsewhere.
    private func printSearchResults(_ results: SearchResults) {
        let style = io.style
        var out = ""
        // The facts of each record in aligned columns, so the eye runs down the cases and dates.
        var facts = results.hits.map { hit in
            [hit.caseID, hit.recordType.rawValue, hit.occurredDay ?? "", hit.status ?? "", hit.author ?? "", hit.recordID]
                .map { TableLayout.flatten(.text($0)) }
        }
        var widths = (0..<6).map { column in facts.map { $0[column].count }.max() ?? 0 }
        // In a narrow window each id is shown by its shortest unique prefix, which every command accepts.
        if let width = style.width, widths.reduce(0, +) + 10 > width {
            for (index, id) in idCells(results.hits.map(\.recordID)).enumerated() {
                if case .recordID(_, let short) = id { facts[index][5] = TableLayout.flatten(.text(short)) }
            }
            widths[5] = facts.map { $0[5].count }.max() ?? 0
        }
        for (hit, facts) in zip(results.hits, facts) {
            out += zip(facts, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingTrailingSpaces() + "\n"
            let snippet = hit.snippet.parts.map { part -> String in
                let text = TableLayout.flatten(.text(part.text))
                guard part.matched else { return text }
                return style.colour ? style.paint(text, .highlight) : "[" + text + "]"
            }.joined()
            let line = Self.label(hit) + ": " + snippet
            // The words in context wrap to the window, under themselves.
            let lines = style.width.map { TableLayout.wrapped(line, width: $0 - 4, lines: Int.max, indent: 2) } ?? [line]
            out += lines.map { "    " + $0 + "\n" }.joined()
        }
        let count = results.total == 1 ? "1 record" : "\(results.total) records"
        if results.hits.count < results.total {
            out += "(showing \(results.hits.count) of \(count), best match first: add words, --case ID or --limit N)\n"
        } else if results.total == 0 {
            out += "(no records hold all of those words; deleted records are left out unless --deleted)\n"
        } else {
            out += "(\(count), best match first)\n"
        }
        io.write(out)
    }

    /// Where the snippet comes from, as users name it: the field's key, `amended` or `in conflict`.
    static func label(_ hit: SearchHit) -> String {
        switch hit.field {
        case "amended": return "amended"
        case "conflicting": return "in conflict"
        default: return hit.recordType.schema.key(forField: hit.field)
        }
    }
}
