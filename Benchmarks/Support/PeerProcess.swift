import Central
import CentralHTTPServer
import CentralPostgres
import CentralSQLite
import ClientSync
import Foundation
import Logging
import SyncProtocol

/// A central peer in a process of its own (`fieldbook-bench peer-serve --data FOLDER` or `--database URL`), as
/// `fieldbook serve` runs in
/// production: W5 then measures the peer's work, not the peer and sixty clients sharing one process and its
/// cooperative threads. The child serves HTTP on 127.0.0.1 at a port of its choosing, which it prints as
/// `port=N`; it ends when its standard input closes (the bench stops it, or the bench died).
final class PeerProcess: @unchecked Sendable {
    static let command = "peer-serve"

    let url: String
    private let process: Process
    private let input: Pipe

    /// Starts the child on the central storage `storage` names (`--data FOLDER` or `--database URL`, made
    /// and migrated by the caller's administration storage first) and waits for its port.
    init(storage: [String]) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        process.arguments = [Self.command] + storage
        input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        var line: [UInt8] = []
        while line.last != UInt8(ascii: "\n") {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            guard let first = byte.first else { break }
            line.append(first)
        }
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix("port="), let port = Int(text.dropFirst(5)) else {
            process.terminate()
            throw BenchError("the peer process did not start: '\(text)'")
        }
        url = "http://127.0.0.1:\(port)"
    }

    /// The child's process id: W5 reads its CPU time.
    var processIdentifier: Int32 { process.processIdentifier }

    /// Closes the child's input and waits for it to end.
    func stop() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    /// The child: serves until its standard input closes.
    static func main(_ arguments: [String]) async throws {
        var logger = Logger(label: "bench.central.process")
        logger.logLevel = .critical
        let storage: any CentralStorage
        switch (arguments.first, arguments.count) {
        case ("--data", 2): storage = try SQLiteCentralStorage(folder: arguments[1], actor: "central")
        case ("--database", 2): storage = try await PostgresCentralStorage(url: arguments[1], logger: logger)
        default: throw BenchError("usage: fieldbook-bench peer-serve --data FOLDER | --database URL")
        }
        let peer = CentralPeer(storage: storage, logger: logger)
        let app = try CentralHTTPServer.application(peer: peer, host: "127.0.0.1", port: 0, logger: logger) { port in
            FileHandle.standardOutput.write(Data("port=\(port)\n".utf8))
        }
        let server = Task { try await app.runService() }
        // Standard input is read on a thread of its own; its end stops the server.
        await withCheckedContinuation { (ended: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                while !FileHandle.standardInput.availableData.isEmpty {}
                ended.resume()
            }
        }
        server.cancel()
        _ = await server.result
    }
}
