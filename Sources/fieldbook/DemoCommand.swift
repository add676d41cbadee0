import ArgumentParser
import Central
import CentralHTTPServer
import CentralSQLite
import ClientSync
import Foundation
import Logging
import Repl
import ServiceLifecycle
import Store
import SyncHTTPClient
import SyncProtocol

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Try Fieldbook: a central peer with an invented team, and the REPL on a store enrolled as one of its workers.",
        discussion: """
            Starts a central peer on a free port of 127.0.0.1 with a seeded team (a supervisor, three \
            workers, 20 cases with history), enrols a fresh store as sam.okafor, syncs, and opens the REPL. \
            The peer runs until the REPL ends. It prints an enrolment code for the supervisor so a second \
            fieldbook can join as her. Everything is invented; files go to a new temporary folder unless \
            --store (a new file) and --data are given.
            """
    )

    @Option(help: ArgumentHelp("The demo store to create (must not exist).", valueName: "path"))
    var store: String?

    @Option(help: ArgumentHelp("Folder for the demo central peer's data (must be empty).", valueName: "path"))
    var data: String?

    @Flag(name: .long, help: "Carry on after a failing command when reading a script.")
    var keepGoing = false

    @Option(name: .customShort("c"), help: ArgumentHelp("Run this command and exit; repeatable.", valueName: "command"))
    var commands: [String] = []

    func run() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fieldbook-demo-\(UUID().uuidString.prefix(8).lowercased())").path
        let storePath = store ?? (folder as NSString).appendingPathComponent("store.sqlite")
        let dataPath = data ?? (folder as NSString).appendingPathComponent("central")
        if FileManager.default.fileExists(atPath: storePath) {
            throw CommandFailure.exit("\(storePath) already exists; the demo creates a fresh store, so give a new path")
        }
        LoggingSetup.bootstrap()
        try await DemoTeam.seed(folder: dataPath)
        // The peer's lines go to a file in its data folder: at the terminal they would land in the middle of
        // what the worker is typing.
        let logPath = (dataPath as NSString).appendingPathComponent("peer.log")
        let logFile = try FileLogHandler.File(path: logPath)
        var logger = Logger(label: "fieldbook.demo-central") { label in
            SafeLogHandler(wrapping: FileLogHandler(label: label, file: logFile))
        }
        logger.logLevel = .info
        let storage = try SQLiteCentralStorage(folder: dataPath, actor: "central")
        let peer = CentralPeer(storage: storage, logger: logger)
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let app = try CentralHTTPServer.application(peer: peer, host: "127.0.0.1", port: 0, logger: logger) { port in
            portContinuation.yield(port)
        }
        // The peer ignores Ctrl-C (it belongs to the REPL, which drops the line being typed) and is shut down
        // gracefully when the REPL ends, without errors from a cancelled server.
        let services = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let server = Task { try await services.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CommandFailure.exit("the demo central peer did not start") }
        let url = "http://127.0.0.1:\(port)"

        let admin = CentralAdministration(storage: try SQLiteCentralStorage(folder: dataPath, actor: "admin"))
        let local = try CaseStore(path: storePath, author: DemoTeam.workers[0])
        let client = SyncClient(store: local, transport: HTTPSyncTransport(baseURL: url))
        _ = try await client.enrol(serverURL: url, code: try await admin.newCode(for: DemoTeam.workers[0]), deviceName: "demo laptop")
        let summary = try await client.sync()
        let supervisorCode = try await admin.newCode(for: DemoTeam.supervisor)
        FileHandle.standardError.write(Data("""
            Demo central peer: \(url)  (data in \(dataPath), its log in peer.log there)
            Demo store:        \(storePath)
            You are \(DemoTeam.workers[0]), a social worker in team \(DemoTeam.team); first sync: \(summary.line).
            To join as the supervisor from another terminal while this runs:
              fieldbook --store /tmp/priya.sqlite -c "enrol \(url) \(supervisorCode)" -c sync
            Type 'help' for commands.

            """.utf8))
        let opened = try SessionOptions.open(path: storePath, user: DemoTeam.workers[0])
        let keepGoing = self.keepGoing
        let commands = self.commands
        // Like the plain REPL's: connect and read timeouts, so a sync never hangs on a silent peer.
        let connector = try HTTPConnector.trusting(nil)
        defer { connector.shutdown() }
        // The REPL blocks on input, so it gets a thread of its own, away from the server's. It is the plain
        // REPL's: line editing, history and Ctrl-C at a terminal, plain lines from a pipe.
        let status: Int32 = await withCheckedContinuation { continuation in
            Thread {
                let io: ReplIO = commands.isEmpty ? SessionOptions.terminalOrPipe(for: opened) : PassThroughIO(lines: commands)
                continuation.resume(returning: SessionOptions.interpreter(store: opened, io: io, keepGoing: keepGoing, connector: connector).run())
            }.start()
        }
        await services.triggerGracefulShutdown()
        _ = await server.result
        if status != 0 { throw ExitCode(status) }
    }
}
