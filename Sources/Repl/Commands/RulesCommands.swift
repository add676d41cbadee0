import Foundation
import Store

extension Interpreter {
    /// `rules`: the visit and recording rules this device counts with, and where they came from.
    func rules(_ words: [String], spec: CommandSpec) throws {
        try requireNoArguments(words, spec: spec)
        let rules = try store.councilRules()
        // The header and footer are for people; csv and json give the table alone, for scripts.
        if mode == .table {
            io.line(rules.version == 0
                    ? "council rules: the shipped defaults (the central peer has not changed them, or this device has not synced since)"
                    : "council rules: version \(rules.version), received from the central peer")
        }
        let rows = CouncilRules.settings.map { setting -> [Cell] in
            [.text(setting.name), Cell(rules.value(of: setting.name) ?? setting.defaultValue), Cell(setting.defaultValue), .text(setting.summary)]
        }
        printTable(Table(columns: ["rule", "value", "default", "meaning"], rows: rows))
        guard mode == .table else { return }
        let today = store.today
        let coming = rules.holidays.filter { $0 >= today }.sorted()
        let next = coming.isEmpty ? "none listed" : coming.prefix(4).map(\.description).joined(separator: ", ")
        io.line("bank holidays: \(rules.holidays.count) listed; next: \(next)")
    }
}
