import ArgumentParser
import Central
import CentralHTTPServer
import CentralSQLite
import ClientSync
import Foundation
import Logging
import Repl
import Store
import SyncProtocol

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the central peer that devices sync with.",
        discussion: """
            Stores everything in DATA/central.sqlite (created on first use), or, with --database, in a \
            PostgreSQL database, which several 'fieldbook serve' processes can share behind a load balancer. \
            Logs one line per request to standard error. Stops cleanly on Ctrl-C or SIGTERM: requests in flight finish first. Use \
            TLS in production; plain HTTP only on a trusted test network. Manage users, devices and \
            cases with 'fieldbook admin --data DATA', also while the server runs.
            Example:
              fieldbook serve --data /srv/fieldbook --listen 0.0.0.0:8443 --tls-cert cert.pem --tls-key key.pem
            """
    )

    @Option(help: ArgumentHelp("Folder of the central peer's data (SQLite).", valueName: "path"))
    var data: String?

    @Option(help: ArgumentHelp("The central peer's PostgreSQL database instead of a folder: postgres://user:password@host:5432/database (or set FIELDBOOK_DATABASE_URL, which keeps the password off the command line).",
                               valueName: "url"))
    var database: String?

    @Option(help: ArgumentHelp("Address and port to listen on; port 0 picks a free one.", valueName: "host:port"))
    var listen: String = "127.0.0.1:8080"

    @Option(name: .customLong("tls-cert"), help: ArgumentHelp("PEM certificate chain: serve HTTPS.", valueName: "file"))
    var tlsCertificate: String?

    @Option(name: .customLong("tls-key"), help: ArgumentHelp("PEM private key of the certificate.", valueName: "file"))
    var tlsKey: String?

    @Option(name: .customLong("trusted-proxy"),
            help: ArgumentHelp("A load balancer or proxy in front of the peer, by IP address (repeat for several): the client address it forwards in X-Forwarded-For is the one failed enrolments are counted against. From any other address the header is ignored.",
                               valueName: "address"))
    var trustedProxies: [String] = []

    func validate() throws {
        guard (tlsCertificate == nil) == (tlsKey == nil) else {
            throw ValidationError("give both --tls-cert and --tls-key, or neither")
        }
        _ = try Self.address(listen)
        _ = try CentralStorageLocation(data: data, database: database)
    }

    static func address(_ text: String) throws -> (host: String, port: Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw ValidationError("--listen takes HOST:PORT, for example 127.0.0.1:8080")
        }
        return (String(text[..<colon]), port)
    }

    func run() async throws {
        LoggingSetup.bootstrap()
        let logger = Logger(label: "fieldbook.central")
        let (host, port) = try Self.address(listen)
        let location = try CentralStorageLocation(data: data, database: database)
        let storage = try await location.open(actor: "central", logger: logger)
        if case .folder(let data) = location { Self.warnIfDataIsExposed(data, logger: logger) }
        let peer = CentralPeer(storage: storage, logger: logger, clientAddress: ClientAddress(trustedProxies: Set(trustedProxies)))
        let tls = tlsCertificate.flatMap { cert in tlsKey.map { CentralHTTPServer.TLSFiles(certificate: cert, key: $0) } }
        let scheme = tls == nil ? "http" : "https"
        let app = try CentralHTTPServer.application(peer: peer, host: host, port: port, tls: tls, logger: logger) { bound in
            logger.notice("listening", metadata: ["url": "\(scheme)://\(host):\(bound)", "data": "\(location.description)"])
            // A line for scripts and tests that wait for the server.
            FileHandle.standardOutput.write(Data("listening on \(scheme)://\(host):\(bound)\n".utf8))
        }
        try await app.runService()
        logger.notice("stopped")
    }

    /// Logs a warning at start when other users of this computer can read the data folder or the
    /// database in it, with the command that fixes it. A new data folder is created private
    /// (``PrivateFiles``); one made by an older version, or restored from a backup, may not be.
    static func warnIfDataIsExposed(_ folder: String, logger: Logger) {
        let database = (folder as NSString).appendingPathComponent("central.sqlite")
        // SQLite gives the -wal and -shm files the database's mode: named only when it is private already.
        var files = [database].filter { PrivateFiles.exposedMode(of: $0) != nil }
        if files.isEmpty { files = [database + "-wal", database + "-shm"].filter { PrivateFiles.exposedMode(of: $0) != nil } }
        let folderExposed = PrivateFiles.exposedMode(of: folder) != nil
        guard folderExposed || !files.isEmpty else { return }
        let fix = (folderExposed ? ["chmod 700 \(ShellWord.quoted(folder))"] : [])
            + (files.isEmpty ? [] : ["chmod 600 " + files.map(ShellWord.quoted).joined(separator: " ")])
        logger.warning("other users of this computer can read the data folder, which holds children's records",
                       metadata: ["exposed": "\(((folderExposed ? [folder] : []) + files).joined(separator: " "))",
                                  "fix": "\(fix.joined(separator: " && "))"])
    }
}
