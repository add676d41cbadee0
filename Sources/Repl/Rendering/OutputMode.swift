import Foundation
import Store

/// How tabular results are printed, set with `.mode`.
public enum OutputMode: String, CaseIterable, Sendable {
    /// Aligned columns for people; long cells are shortened (csv and json keep everything).
    case table
    /// RFC 4180 CSV with a header row, for spreadsheets and scripts.
    case csv
    /// A JSON array of objects, one per row, keys in column order.
    case json
    /// Each row as `column = value` lines, rows apart by a blank line (sqlite3's `.mode line`): for
    /// rows too wide for any window, and for reading long text whole.
    case line
}

/// A cell of a table: text, a number, or nothing.
public enum Cell: Sendable, Equatable {
    case text(String)
    case number(String)
    /// A record's full id, and the shortest prefix that names it alone in the store: csv and json print
    /// the full id, a table on a narrow terminal the prefix (which every command accepts).
    case recordID(String, short: String)
    case empty

    init(_ text: String?) { self = text.map(Cell.text) ?? .empty }
    init(_ number: Int) { self = .number(String(number)) }

    var plain: String {
        switch self {
        case .text(let text), .number(let text), .recordID(let text, _): return text
        case .empty: return ""
        }
    }
}

/// Rows with named columns, printed in the current ``OutputMode``.
public struct Table: Sendable, Equatable {
    public var columns: [String]
    public var rows: [[Cell]]

    public init(columns: [String], rows: [[Cell]], tones: [RowTone] = [], flowColumn: String? = nil,
                optionalColumns: [String] = []) {
        self.columns = columns
        self.rows = rows
        self.tones = tones
        self.flowColumn = flowColumn
        self.optionalColumns = optionalColumns
    }

    /// A column of long text that, on a narrow terminal, may move to its own lines under each row rather
    /// than be cut to a few characters.
    public var flowColumn: String?
    /// Columns a narrow terminal may leave out, first listed first; the footer names them.
    public var optionalColumns: [String] = []

    /// How a row stands out on a colour terminal: overdue in red, due soon in yellow.
    public enum RowTone: Sendable, Equatable { case normal, alert, warning }

    /// One tone per row (missing entries are normal). Only the table mode on a colour terminal shows them.
    public var tones: [RowTone] = []

    public func render(_ mode: OutputMode, style: TerminalStyle = .plain) -> String {
        switch mode {
        case .table: return TableLayout(table: self, style: style).render()
        case .csv: return renderCSV()
        case .json: return renderJSON()
        case .line: return renderLines()
        }
    }

    /// Column names right-aligned, then ` = ` and the whole value; a value over several lines continues
    /// under itself. Control characters are escaped (``SafeText``) as everywhere.
    private func renderLines() -> String {
        let names = columns.map { SafeText.escaped($0) }
        let width = names.map(\.count).max() ?? 0
        let margin = "\n" + String(repeating: " ", count: width + 3)
        return rows.map { row in
            zip(names, row).map { name, cell in
                let value = SafeText.escaped(cell.plain, lineBreaks: .kept).split(separator: "\n", omittingEmptySubsequences: false)
                    .joined(separator: margin)
                return (String(repeating: " ", count: width - name.count) + name + " = " + value).trimmingTrailingSpaces()
            }.joined(separator: "\n") + "\n"
        }.joined(separator: "\n") + (rows.isEmpty ? "(0 rows)\n" : "")
    }

    /// Cells keep their line breaks (quoted, as RFC 4180 allows); every other control character is
    /// escaped (``SafeText``), so a CSV printed on a terminal cannot drive it.
    private func renderCSV() -> String {
        func field(_ raw: String) -> String {
            let text = SafeText.escaped(raw, lineBreaks: .kept)
            return text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline })
                ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
        var out = columns.map(field).joined(separator: ",") + "\r\n"
        for row in rows { out += row.map { field($0.plain) }.joined(separator: ",") + "\r\n" }
        return out
    }

    private func renderJSON() -> String {
        "[" + jsonObjects.joined(separator: ",\n ") + "]\n"
    }

    /// Each row as a JSON object, column → value.
    private var jsonObjects: [String] {
        rows.map { row in
            "{" + zip(columns, row).map { column, cell in
                let value: String
                switch cell {
                case .text(let text), .recordID(let text, _): value = JSONText.quote(text)
                case .number(let text): value = text
                case .empty: value = "null"
                }
                return JSONText.quote(column) + ":" + value
            }.joined(separator: ",") + "}"
        }
    }

    /// One JSON document of several tables, by name: a table marked `single` as the object of its one row
    /// (`null` without one), the others as arrays. For a command that prints a header and a list.
    static func jsonDocument(_ members: [(name: String, table: Table, single: Bool)]) -> String {
        "{" + members.map { member in
            let value = member.single ? (member.table.jsonObjects.first ?? "null")
                : "[" + member.table.jsonObjects.joined(separator: ",\n ") + "]"
            return JSONText.quote(member.name) + ":" + value
        }.joined(separator: ",\n") + "}\n"
    }
}

/// JSON strings. Every control character (``SafeText/isControl(_:)``: C0, DEL, C1, the bidirectional
/// overrides) is written as a `\uXXXX` escape, which JSON allows for any character: the output is safe on
/// a terminal and still decodes to exactly the stored text.
enum JSONText {
    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where SafeText.isControl(scalar):
                out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                    + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
