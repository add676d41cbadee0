import ArgumentParser
import Central
import CentralSQLite
import ClientSync
import Foundation
import Logging
import Store
import SyncProtocol

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
            Example (a council moving to PostgreSQL):
              fieldbook admin migrate --from /srv/fieldbook --to postgres://fieldbook:PASSWORD@db.council.example/fieldbook
            """)

    @Option(help: ArgumentHelp("Where the central peer's data is now: its data folder, or a postgres:// URL.", valueName: "path-or-url"))
    var from: String

    @Option(help: ArgumentHelp("Where to copy it: an empty PostgreSQL database (postgres://user:password@host:5432/database), or an empty data folder.",
                               valueName: "path-or-url"))
    var to: String

    func run() async throws {
        LoggingSetup.bootstrap()
        var logger = Logger(label: "fieldbook.admin")
        logger.logLevel = .warning
        let (origin, destination) = (CentralStorageLocation(from), CentralStorageLocation(to))
        if case .folder(let folder) = origin, !FileManager.default.fileExists(atPath: (folder as NSString).appendingPathComponent("central.sqlite")) {
            throw CommandFailure.exit("no central peer's data in \(folder): it has no central.sqlite")
        }
        let source = try await origin.open(actor: "migrate", logger: logger)
        let target = try await destination.open(actor: "migrate", logger: logger)
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
            throw CommandFailure.exit("the copy in \(destination.description) does not match \(origin.description) (\(report.problems.count) problem(s) above); keep using \(origin.description)")
        }
        printLine("copied \(report.changes) change(s) of \(report.devices) device(s) and every table in \(seconds) s; the copy matches and every chain is whole")
        switch destination {
        case .folder(let folder): printLine("start the peer on the copy: fieldbook serve --data \(folder)")
        case .database: printLine("start the peer on the copy: fieldbook serve --database URL (the URL you gave --to)")
        }
    }
}
