import Crypto
import Foundation
import Store

/// The formats `export` writes.
enum ExportFormat: String, CaseIterable, Sendable {
    case html, md, txt

    static let names = allCases.map(\.rawValue).joined(separator: ", ")

    /// The format a file name's extension names, if any.
    init?(fileName: String) {
        let lowered = fileName.lowercased()
        if lowered.hasSuffix(".html") || lowered.hasSuffix(".htm") { self = .html }
        else if lowered.hasSuffix(".md") || lowered.hasSuffix(".markdown") { self = .md }
        else if lowered.hasSuffix(".txt") { self = .txt }
        else { return nil }
    }

    func render(_ document: RecordDocument) -> String {
        switch self {
        case .html: return HTMLRenderer().render(document)
        case .md: return MarkdownRenderer().render(document)
        case .txt: return TextRenderer(width: 80).render(document)
        }
    }
}

/// Why `export` wrote nothing, said so that the person can act on it.
struct ExportError: Error, CustomStringConvertible {
    let description: String
}

extension Interpreter {
    /// `chronology CASE`: the case's whole record in time order, every entry in full.
    func chronology(_ words: [String], spec: CommandSpec) throws {
        guard words.count == 1, let caseID = words.first else {
            throw ReplError.usage(command: spec.name, usage: spec.usage, problem: words.isEmpty ? "which case?" : "give one case")
        }
        let document = RecordDocument(try store.caseRecord(caseID), verification: nil)
        switch mode {
        case .table:
            // The terminal's width, within reason; 80 columns for a pipe, as in a file.
            let width = min(max(io.style.width ?? 80, 60), 120)
            let text = TextRenderer(width: width).render(document)
            io.line("\(multiline: String(text.dropLast()), indent: 0)")
        case .csv, .line:
            printTable(Self.caseTable(document))
            printTable(Self.entryTable(document))
        case .json:
            io.write(Table.jsonDocument([("case", Self.caseTable(document), true), ("entries", Self.entryTable(document), false)]))
        }
    }

    /// `export CASE --format html|md|txt --output FILE [--force]`: the case record, with the store's
    /// verify result, written to a new private file all at once; prints its size and its SHA-256.
    func export(_ words: [String], spec: CommandSpec) throws {
        func usage(_ problem: String) -> ReplError { .usage(command: spec.name, usage: spec.usage, problem: problem) }
        var caseID: String?
        var formatName: String?
        var output: String?
        var force = false
        var remaining = words[...]
        while let word = remaining.popFirst() {
            switch word {
            case "--format", "--output":
                guard let value = remaining.popFirst(), !value.hasPrefix("--") else {
                    throw usage(word == "--format" ? "--format needs one of \(ExportFormat.names)" : "--output needs a file name")
                }
                if word == "--format" { formatName = value } else { output = value }
            case "--force":
                force = true
            case _ where word.hasPrefix("--format="):
                formatName = String(word.dropFirst("--format=".count))
            case _ where word.hasPrefix("--output="):
                output = String(word.dropFirst("--output=".count))
            case _ where word.hasPrefix("-"):
                throw usage("unknown option '\(word)'")
            default:
                guard caseID == nil else { throw usage("unexpected '\(word)': give one case") }
                caseID = word
            }
        }
        guard let caseID else { throw usage("which case?") }
        let format: ExportFormat
        if let formatName {
            guard let named = ExportFormat(rawValue: formatName.lowercased()) else {
                throw usage("unknown format '\(formatName)': choose one of \(ExportFormat.names)")
            }
            format = named
        } else if let output, let implied = ExportFormat(fileName: output) {
            format = implied
        } else {
            throw usage(output == nil ? "say where to write it with --output FILE" : "say which format with --format \(ExportFormat.names.replacingOccurrences(of: ", ", with: "|"))")
        }
        guard let output, !output.isEmpty else { throw usage("say where to write it with --output FILE") }
        var status = stat()
        if !force, lstat(output, &status) == 0 {
            throw ExportError(description: "\(output) exists already: nothing was written; choose another name, or add --force to replace it")
        }

        let record = try store.caseRecord(caseID)
        let verification = try store.verify()
        let document = RecordDocument(record, verification: verification)
        let bytes = Array(format.render(document).utf8)
        do {
            try PrivateFiles.write(bytes, toPath: output, replacing: force)
        } catch let error as PrivateFiles.WriteError {
            switch error {
            case .exists:
                throw ExportError(description: "\(output) exists already: nothing was written; choose another name, or add --force to replace it")
            case .failed where error.isDiskFull:
                throw ExportError(description: "the disk is full: \(output) was not written; free some space and run export again")
            case .failed:
                throw ExportError(description: "\(error); nothing was written")
            }
        }
        let digest = Hex.encode(SHA256.hash(data: bytes))
        let entries = record.entries.count
        io.line("wrote \(output) (\(format.rawValue), \(Self.grouped(bytes.count)) bytes, \(entries) entr\(entries == 1 ? "y" : "ies"))")
        io.line("\(multiline: Self.checksumLine(digest, output), indent: 0)")
        if !verification.isIntact {
            io.errorLine("verify found \(verification.problems.count) problem\(verification.problems.count == 1 ? "" : "s") in this store; the file says so (run verify to see them)",
                         prefix: io.errorStyle.paint("warning:", .warning) + " ")
        }
    }

    /// The line `sha256sum` prints for a file, so that `sha256sum -c` can check a copy: the digest, two
    /// spaces, the name. A name holding a backslash or a line break is escaped as `sha256sum` escapes it
    /// (the line then starts with a backslash).
    static func checksumLine(_ digest: String, _ name: String) -> String {
        guard name.contains(where: { $0 == "\\" || $0 == "\n" || $0 == "\r" }) else { return "\(digest)  \(name)" }
        let escaped = name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
            .replacingOccurrences(of: "\r", with: "\\r")
        return "\\\(digest)  \(escaped)"
    }

    /// 12345 → "12,345".
    static func grouped(_ number: Int) -> String {
        let digits = Array(String(number))
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return out
    }

    // MARK: - Tables for csv and json

    /// The case's details as one row.
    private static func caseTable(_ document: RecordDocument) -> Table {
        let header = document.record.header
        let deadline = header.nextVisit
        return Table(columns: ["case", "child", "category", "dob", "worker", "placement_start", "plan_start", "long_term", "next_due",
                               "rule", "entries", "conflicts", "generated_at", "generated_by"],
                     rows: [[.text(header.caseID), Cell(header.childName), Cell(header.category), Cell(header.dob), Cell(header.worker),
                             Cell(header.placementStart), Cell(header.planStart), .text(header.longTerm ? "yes" : "no"),
                             Cell(deadline.map { "\($0.due)" }), Cell(deadline?.rule), Cell(document.entries.count),
                             Cell(document.record.conflictCount), .text(document.record.generatedAt), .text(document.record.generatedBy)]])
    }

    /// One row per entry; `text` holds every field and note, one `label: value` per line.
    private static func entryTable(_ document: RecordDocument) -> Table {
        let rows = document.entries.map { entry -> [Cell] in
            var lines: [String] = []
            for field in entry.fields {
                lines.append("\(field.label): \(field.value.isEmpty ? "(not recorded)" : field.value)")
                lines += field.notes.map { "  \($0.text)" }
            }
            let receivedAt: String?
            switch entry.receipt {
            case .received(let at): receivedAt = at
            default: receivedAt = nil
            }
            return [Cell(entry.number), .text(entry.when), .text(entry.kind.rawValue), .text(entry.title), Cell(entry.status),
                    .text(entry.author), .text(entry.recordedAt), Cell(receivedAt),
                    .text(RecordDocument.receipt(entry.receipt)), .text(entry.recordID), .text(lines.joined(separator: "\n"))]
        }
        return Table(columns: ["entry", "when", "kind", "title", "status", "author", "recorded_at", "received_at", "received", "record_id", "text"],
                     rows: rows)
    }
}
