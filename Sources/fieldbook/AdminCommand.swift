import ArgumentParser
import Central
import CentralSQLite
import ClientSync
import Foundation
import Logging
import Store
import SyncProtocol

/// Options every `admin` subcommand shares.
struct AdminOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Folder of the central peer's data (as given to serve).", valueName: "path"))
    var data: String?

    @Option(help: ArgumentHelp("The central peer's PostgreSQL database instead (as given to serve; or FIELDBOOK_DATABASE_URL).", valueName: "url"))
    var database: String?

    @Option(name: .customLong("as"), help: ArgumentHelp("Who is administering: recorded on what you change.", valueName: "name"))
    var actor: String = ProcessInfo.processInfo.userName

    /// The data folder, which `seed-demo` needs.
    func folder() throws -> String {
        guard let data else { throw ValidationError("give the central peer's data folder with --data PATH (as given to serve)") }
        return data
    }

    func administration() async throws -> CentralAdministration {
        LoggingSetup.bootstrap()
        var logger = Logger(label: "fieldbook.admin")
        logger.logLevel = .warning
        let storage = try await CentralStorageLocation(data: data, database: database).open(actor: actor, logger: logger)
        return CentralAdministration(storage: storage, actor: actor)
    }
}

/// Runs an admin action, turning refusals into `error: ...` and exit status 2.
func administer(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as CentralAdminError {
        throw CommandFailure.exit(error.description)
    } catch let error as StoreError {
        throw CommandFailure.exit(error.description)
    }
}

struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin",
        abstract: "Administer the central peer: users, devices, cases, allocations, quarantine, rules.",
        discussion: "Works on the data folder directly, also while 'fieldbook serve' runs on it.",
        subcommands: [UserCommand.self, DeviceCommand.self, CaseCommand.self, AssignCommand.self,
                      QuarantineCommand.self, AuditCommand.self, AdminRulesCommand.self, AdminMigrateCommand.self, SeedDemoCommand.self]
    )

    // Declared here too, so `fieldbook admin --data PATH user add ...` parses: the subcommands read the
    // same options wherever they were typed.
    @OptionGroup var options: AdminOptions

    struct UserCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "user", abstract: "Add and list users.",
                                                        subcommands: [Add.self, List.self, Code.self])
        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Add a user; prints a single-use enrolment code (valid 72 hours) as the last word.")
            @OptionGroup var options: AdminOptions
            @Argument(help: "The user name, e.g. sam.okafor.") var name: String
            @Option(help: "worker or supervisor.") var role: String
            @Option(help: "The team; a supervisor sees and resolves their team's cases.") var team: String?

            func run() async throws {
                guard let role = CentralRole(rawValue: role) else { throw ValidationError("--role is worker or supervisor") }
                try await administer {
                    let code = try await options.administration().addUser(name, role: role, team: team)
                    printLine("added \(role.rawValue) \(name)\(team.map { " in team \($0)" } ?? "")")
                    printLine("enrolment code for \(name) (single use, expires in 72 hours): \(code)")
                }
            }
        }
        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List users.")
            @OptionGroup var options: AdminOptions
            func run() async throws {
                try await administer {
                    for user in try await options.administration().storage.users() {
                        printLine("\(user.name)\t\(user.role.rawValue)\t\(user.team ?? "-")")
                    }
                }
            }
        }
        struct Code: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Issue a new enrolment code for an existing user (a new device).")
            @OptionGroup var options: AdminOptions
            @Argument var name: String
            func run() async throws {
                try await administer {
                    let code = try await options.administration().newCode(for: name)
                    printLine("enrolment code for \(name) (single use, expires in 72 hours): \(code)")
                }
            }
        }
    }

    struct DeviceCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "device", abstract: "List and revoke devices.",
                                                        subcommands: [List.self, Revoke.self])
        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List enrolled devices.")
            @OptionGroup var options: AdminOptions
            func run() async throws {
                try await administer {
                    for device in try await options.administration().storage.devices() {
                        let state = device.revokedAt.map { "revoked \($0)" } ?? "active"
                        printLine("\(device.id)\t\(device.user)\t\(device.name)\tenrolled \(device.enrolledAt)\tlast seen \(device.lastSeenAt ?? "never")\t\(state)")
                    }
                }
            }
        }
        struct Revoke: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Revoke a device: its token is refused from now on (HTTP 401).")
            @OptionGroup var options: AdminOptions
            @Argument var id: String
            func run() async throws {
                try await administer {
                    let admin = try await options.administration()
                    guard try await admin.storage.revokeDevice(id, now: admin.now) else { throw CentralAdminError("no active device \(id)") }
                    printLine("revoked device \(id)")
                }
            }
        }
    }

    struct CaseCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "case", abstract: "Add cases.", subcommands: [Add.self])
        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Add a case, optionally allocated to a worker.")
            @OptionGroup var options: AdminOptions
            @Argument(help: "The local child id.") var id: String
            @Option var child: String
            @Option var dob: String
            @Option(help: "CP, CIN, CLA or PF.") var category: String
            @Option(name: .customLong("placement-start")) var placementStart: String?
            @Option(name: .customLong("plan-start")) var planStart: String?
            @Option var worker: String?
            func run() async throws {
                var values = [("child", child), ("dob", dob), ("category", category)]
                if let placementStart { values.append(("placement_start", placementStart)) }
                if let planStart { values.append(("plan_start", planStart)) }
                try await administer {
                    try await options.administration().addCase(id: id, values: values, worker: worker)
                    printLine("added case \(id)\(worker.map { ", allocated to \($0)" } ?? " (not allocated)")")
                }
            }
        }
    }

    struct AssignCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "assign",
            abstract: "Allocate a case to a worker. The previous worker's devices purge it at their next sync, after their pending work has arrived.")
        @OptionGroup var options: AdminOptions
        @Argument var caseID: String
        @Argument var worker: String
        @Option var reason: String?
        func run() async throws {
            try await administer {
                let admin = try await options.administration()
                try await admin.assign(caseID: caseID, to: worker, reason: reason)
                printLine("allocated \(caseID) to \(worker)")
                for allocation in try await admin.storage.allocations(of: caseID) {
                    printLine("  \(allocation.from) – \(allocation.to ?? "now")\t\(allocation.worker)\t\(allocation.reason ?? "")")
                }
            }
        }
    }

    struct QuarantineCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "quarantine", abstract: "Changes the peer refused, kept with their reasons.",
                                                        subcommands: [List.self, Release.self, Assign.self])
        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List quarantined changes (all states with --all).")
            @OptionGroup var options: AdminOptions
            @Flag var all = false
            func run() async throws {
                try await administer {
                    for entry in try await options.administration().storage.quarantine(state: all ? nil : .held) {
                        let change = entry.change
                        printLine("\(entry.id)\t\(entry.state.rawValue)\t\(entry.receivedAt)\t\(change.author)\t\(change.kind.rawValue) \(change.recordType.rawValue) \(change.recordID) on \(change.caseID)\t\(entry.reason)")
                    }
                }
            }
        }
        struct Release: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Let a quarantined change into the log as it is.")
            @OptionGroup var options: AdminOptions
            @Argument var id: Int64
            func run() async throws {
                try await administer {
                    try await options.administration().release(id)
                    printLine("released quarantined change \(id) into the central log")
                }
            }
        }
        struct Assign: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Copy a quarantined new visit or note to the case it belongs to.")
            @OptionGroup var options: AdminOptions
            @Argument var id: Int64
            @Argument var caseID: String
            func run() async throws {
                try await administer {
                    let record = try await options.administration().assign(quarantined: id, to: caseID)
                    printLine("copied quarantined change \(id) to \(caseID) as \(record)")
                }
            }
        }
    }

    struct AuditCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "audit",
            abstract: "Who has held a case: allocations, every device that received it, and every pull that sent it.",
            discussion: "Pulls are listed newest last; the last 20 unless --all-pulls.")
        @OptionGroup var options: AdminOptions
        @Argument(help: "The case id, e.g. LA-1.") var caseID: String
        @Flag(name: .customLong("all-pulls"), help: "List every pull, not only the last 20.") var allPulls = false
        func run() async throws {
            try await administer {
                let admin = try await options.administration()
                guard try await admin.storage.record(caseID)?.recordType == .case else { throw CentralAdminError("no case \(caseID)") }
                printLine("allocations of \(caseID):")
                for a in try await admin.storage.allocations(of: caseID) {
                    printLine("  \(a.from) – \(a.to ?? "now")\t\(a.worker)\tby \(a.by)\t\(a.reason ?? "")")
                }
                printLine("devices that received it:")
                for held in try await admin.storage.custody(of: caseID) {
                    printLine("  \(held.deviceID)\t\(held.user ?? "?")\tfirst \(held.firstSentAt)\tlast \(held.lastSentAt)\t\(held.purgedAt.map { "purged \($0)" } ?? "holds it")")
                }
                let pulls = try await admin.storage.pulls(of: caseID, limit: allPulls ? nil : 20)
                printLine(allPulls ? "pulls that sent it:" : "pulls that sent it (the last 20; --all-pulls for every one):")
                for pull in pulls {
                    printLine("  \(pull.at)\t\(pull.user)\tdevice \(pull.deviceID)\t\(pull.changes) change(s)")
                }
            }
        }
    }

    struct SeedDemoCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "seed-demo",
            abstract: "Fill an empty central peer with an invented team: a supervisor, three workers, 20 cases with history.")
        @OptionGroup var options: AdminOptions
        func run() async throws {
            LoggingSetup.bootstrap()
            do {
                let codes = try await DemoTeam.seed(folder: try options.folder())
                for (user, code) in codes.sorted(by: { $0.key < $1.key }) {
                    printLine("enrolment code for \(user): \(code)")
                }
            } catch let error as CentralAdminError {
                throw CommandFailure.exit(error.description)
            }
        }
    }
}
