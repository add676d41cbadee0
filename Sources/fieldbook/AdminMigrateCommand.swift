import ArgumentParser
import Foundation
import Store
import SyncEngine

/// `fieldbook admin migrate`: moves a council's central peer to another storage, then checks the copy.
struct AdminMigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Copy the central peer's data to another storage, then check the copy and every device's chain in it.",
        discussion: """
            Stop every 'fieldbook serve' on the source first, and keep them stopped until the copy is checked: \
            changes pushed meanwhile would not be copied. The target must be empty. Cursors, tokens, times and \
            ids are kept, so devices go on syncing with the new storage as they are, without enrolling again. \
            The source is only read: if the check finds a problem, nothing is lost; fix it and migrate into a \
            fresh target.
            Example:
              fieldbook admin migrate --from /srv/fieldbook --to /srv/fieldbook-new
            """)

    @Option(help: ArgumentHelp("The data folder the central peer uses now (as given to serve --data).", valueName: "path"))
    var from: String

    @Option(help: ArgumentHelp("Where to copy it: an empty data folder.", valueName: "path"))
    var to: String

    func run() async throws {
        LoggingSetup.bootstrap()
        guard FileManager.default.fileExists(atPath: (from as NSString).appendingPathComponent("central.sqlite")) else {
            throw CommandFailure.exit("no central peer's data in \(from): it has no central.sqlite")
        }
        let source = try SQLiteCentralStorage(folder: from, actor: "migrate")
        let target = try SQLiteCentralStorage(folder: to, actor: "migrate")
        let started = Date()
        let report: CentralMigration.Report
        do {
            report = try await CentralMigration(from: source, to: target).run { printLine("  \($0)") }
        } catch let error as CentralAdminError {
            throw CommandFailure.exit(error.description)
        }
        let seconds = String(format: "%.1f", Date().timeIntervalSince(started))
        guard report.problems.isEmpty else {
            for problem in report.problems { printLine("problem: \(problem)") }
            throw CommandFailure.exit("the copy in \(to) does not match \(from) (\(report.problems.count) problem(s) above); keep using \(from)")
        }
        printLine("copied \(report.changes) change(s) of \(report.devices) device(s) and every table in \(seconds) s; the copy matches and every chain is whole")
        printLine("start the peer on the copy: fieldbook serve --data \(to)")
    }
}
