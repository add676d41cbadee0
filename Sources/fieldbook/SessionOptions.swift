import ArgumentParser
import Foundation
import Repl
import Store
import SyncHTTPClient

/// Options shared by every command that opens a REPL.
struct SessionOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The store file.", discussion: "Default: $FIELDBOOK_STORE, else ~/.fieldbook/store.sqlite. Created on first use.",
        valueName: "path"))
    var store: String?

    @Option(name: .long, help: ArgumentHelp(
        "Who you are: changes are attributed to this user.",
        discussion: "Default: $FIELDBOOK_USER, else your login name.", valueName: "name"))
    var user: String?

    @Flag(name: .long, help: "Carry on after a failing command when reading a script (the exit status is still 1).")
    var keepGoing = false

    @Option(name: .customShort("c"), help: ArgumentHelp(
        "Run this command and exit; repeat for several, run in order.", valueName: "command"))
    var commands: [String] = []

    @Option(name: .customLong("ca-file"), help: ArgumentHelp(
        "Also trust this certificate authority (PEM) when connecting to the central peer over HTTPS.",
        discussion: "For a peer whose certificate comes from the council's own authority. Default: $FIELDBOOK_CA_FILE.",
        valueName: "file"))
    var caFile: String?

    func validate() throws {
        // Before the store is opened (or created): a bad --ca-file leaves nothing behind.
        guard let caFile = resolvedCAFile() else { return }
        do {
            try TrustedCertificates.check(caFile)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    func resolvedCAFile() -> String? {
        if let caFile { return caFile }
        let value = ProcessInfo.processInfo.environment["FIELDBOOK_CA_FILE"]
        return value?.isEmpty == false ? value : nil
    }

    func resolvedUser() -> String {
        if let user { return user }
        let environment = ProcessInfo.processInfo.environment
        if let user = environment["FIELDBOOK_USER"], !user.isEmpty { return user }
        return ProcessInfo.processInfo.userName
    }

    func resolvedStorePath() -> String {
        if let store { return store }
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["FIELDBOOK_STORE"], !path.isEmpty { return path }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return (home as NSString).appendingPathComponent(".fieldbook/store.sqlite")
    }

    /// Runs `-c` commands, or the REPL on standard input, and exits with its status.
    func runSession(on store: CaseStore) throws {
        let status: Int32
        let connector: HTTPConnector
        do {
            connector = try HTTPConnector.trusting(resolvedCAFile())
        } catch {
            throw ValidationError("\(error)")
        }
        defer { connector.shutdown() }
        if commands.isEmpty {
            status = Self.interpreter(store: store, io: Self.terminalOrPipe(for: store), keepGoing: keepGoing, connector: connector).run()
        } else {
            let io = PassThroughIO(lines: commands)
            status = Interpreter(store: store, io: io, keepGoing: keepGoing, connector: connector).run()
        }
        if status != 0 { throw ExitCode(status) }
    }

    /// libedit on a terminal; plain standard input otherwise (scripts behave exactly as before), and on a
    /// terminal of a machine without libedit.
    static func terminalOrPipe(for store: CaseStore) -> ReplIO {
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else { return StandardIO() }
        return EditLineIO(historyPath: store.path + ".history") ?? StandardIO()
    }

    /// The interpreter for a session; at a terminal, Tab completes through it (its store, after `enrol`
    /// the reopened one, and its session's `last`).
    static func interpreter(store: CaseStore, io: ReplIO, keepGoing: Bool, connector: (any SyncConnector)?) -> Interpreter {
        let interpreter = Interpreter(store: store, io: io, keepGoing: keepGoing, connector: connector)
        (io as? EditLineIO)?.completer = { [unowned interpreter] line in try? interpreter.completion(for: line) }
        return interpreter
    }

    /// Opens the store. Once it is enrolled, the enrolled user is the author, whatever `user` says.
    static func open(path: String, user: String) throws -> CaseStore {
        do {
            let store = try CaseStore(path: path, author: user)
            if let enrolled = try store.syncState().user, enrolled != user {
                return try CaseStore(path: path, author: enrolled)
            }
            return store
        } catch let error as StoreError {
            throw CommandFailure.exit(error.description)
        }
    }
}

/// `-c` commands as input, with output straight to the process's streams.
final class PassThroughIO: ReplIO {
    let isInteractive = false
    private var lines: [String]
    private let output = StandardIO()

    init(lines: [String]) { self.lines = lines.reversed() }

    func readLine(prompt: String) -> String? { lines.popLast() }
    func write(_ text: String) { output.write(text) }
    func writeError(_ text: String) { output.writeError(text) }
    /// At a terminal, `fieldbook -c cases` fits the window like the REPL; into a pipe, plain as ever.
    var style: TerminalStyle { output.style }
    var errorStyle: TerminalStyle { output.errorStyle }
    func holdOutput() { output.holdOutput() }
    func releaseOutput() { output.releaseOutput() }
}

/// A failure reported as `error: MESSAGE` on standard error, with exit status 2 and no usage text
/// (the arguments were fine; what they named was not).
struct CommandFailure: Error, CustomStringConvertible {
    let description: String

    init(_ message: String) { description = message }

    static func exit(_ message: String) -> ExitCode {
        // The message may quote what it names (a case id, a path, a reason): escaped like any output.
        FileHandle.standardError.write(Data("error: \(SafeText.escaped(message))\n".utf8))
        return ExitCode(2)
    }
}
