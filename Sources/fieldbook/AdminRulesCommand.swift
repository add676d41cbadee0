import ArgumentParser
import Central
import CentralSQLite
import ClientSync
import Foundation
import Store
import SyncProtocol

/// `fieldbook admin rules ...`: the visit and recording rules every device counts with.
struct AdminRulesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Show and change the visit and recording rules; devices receive them at their next sync.",
        discussion: """
            Each change makes a new version of the rules, kept with who made it and when ('rules history').
            Devices count deadlines with the shipped defaults until their first sync after a change.
            """,
        subcommands: [Show.self, SetRule.self, Reset.self, Holiday.self, History.self],
        defaultSubcommand: Show.self)

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every rule with its value and default, and the bank holidays.")
        @OptionGroup var options: AdminOptions
        @Flag(help: "List every bank holiday, not only the coming ones.") var allHolidays = false
        func run() async throws {
            try await administer {
                let admin = try await options.administration()
                let rules = try await admin.storage.rules()
                printLine(rules.version == 0 ? "council rules: shipped defaults (version 0)" : "council rules: version \(rules.version)")
                for setting in CouncilRules.settings {
                    let value = rules.value(of: setting.name) ?? setting.defaultValue
                    let marker = value == setting.defaultValue ? "" : "(default \(setting.defaultValue))"
                    let range = "\(setting.range.lowerBound)–\(setting.range.upperBound)"
                    let columns = [setting.name.padding(toLength: 28, withPad: " ", startingAt: 0),
                                   "\(value)".padding(toLength: 4, withPad: " ", startingAt: 0),
                                   marker.padding(toLength: 13, withPad: " ", startingAt: 0),
                                   range.padding(toLength: 6, withPad: " ", startingAt: 0), setting.summary]
                    printLine("  \(columns.joined(separator: " "))")
                }
                let today = CivilDate(Timestamp.day(Date(), in: .current)) ?? CivilDate(dayNumber: 0)
                let shown = rules.holidays.sorted().filter { allHolidays || $0 >= today }
                printLine("bank holidays: \(rules.holidays.count) listed\(allHolidays ? "" : ", \(shown.count) from today")")
                for day in shown.prefix(allHolidays ? Int.max : 12) { printLine("  \(day)") }
                if !allHolidays && shown.count > 12 { printLine("  ... (--all-holidays lists them all)") }
            }
        }
    }

    struct SetRule: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set",
            abstract: "Change one rule.",
            discussion: "Example: fieldbook admin --data DIR rules set cp.working-days 8")
        @OptionGroup var options: AdminOptions
        @Argument(help: "The rule's name, as 'rules show' lists it.") var name: String
        @Argument(help: "A whole number within the rule's range.") var value: Int
        func run() async throws {
            try await administer {
                let rules = try await options.administration().setRule(name, to: value)
                printLine("\(name) is now \(value) (rules version \(rules.version)); devices receive it at their next sync")
            }
        }
    }

    struct Reset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Put one rule back to its default.")
        @OptionGroup var options: AdminOptions
        @Argument(help: "The rule's name.") var name: String
        func run() async throws {
            try await administer {
                let rules = try await options.administration().resetRule(name)
                printLine("\(name) is back to \(rules.value(of: name) ?? 0) (rules version \(rules.version)); devices receive it at their next sync")
            }
        }
    }

    struct Holiday: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add or remove a bank holiday (England and Wales 2024–2030 are listed already).",
            subcommands: [Add.self, Remove.self])
        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Make a day a non-working day.")
            @OptionGroup var options: AdminOptions
            @Argument(help: "The day, YYYY-MM-DD.") var day: String
            func run() async throws {
                try await administer {
                    let rules = try await options.administration().addHoliday(day)
                    printLine("\(day) is a bank holiday (rules version \(rules.version)); devices receive it at their next sync")
                    if let date = CivilDate(day), date.weekday > 5 {
                        printLine("note: \(day) is a \(date.weekday == 6 ? "Saturday" : "Sunday"), never a working day anyway")
                    }
                }
            }
        }
        struct Remove: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Make a listed bank holiday a working day again.")
            @OptionGroup var options: AdminOptions
            @Argument(help: "The day, YYYY-MM-DD.") var day: String
            func run() async throws {
                try await administer {
                    let rules = try await options.administration().removeHoliday(day)
                    printLine("\(day) is no longer a bank holiday (rules version \(rules.version)); devices receive it at their next sync")
                }
            }
        }
    }

    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every change to the rules: version, when, who, what.")
        @OptionGroup var options: AdminOptions
        func run() async throws {
            try await administer {
                let history = try await options.administration().storage.rulesHistory()
                if history.isEmpty { printLine("no changes: the shipped defaults are in force") }
                for entry in history {
                    printLine("\(entry.version)\t\(entry.changedAt)\t\(entry.changedBy)\t\(entry.change)")
                }
            }
        }
    }
}
