import AsyncHTTPClient
import Repl
import SyncEngine
import SyncHTTPClient

/// Connects the REPL's `enrol` and `sync` to a central peer over HTTP(S).
struct HTTPConnector: SyncConnector {
    /// A client that gives up connecting after a few seconds and may trust a council's own authority (`--ca-file`).
    let client: HTTPClient
    private let ownsClient: Bool

    /// The shared client, trusting the system's authorities only: for the demo, which takes no --ca-file.
    static let plain = HTTPConnector(client: .shared, ownsClient: false)

    /// Trusting the system's authorities, and those in `caFile` if given.
    static func trusting(_ caFile: String?) throws -> HTTPConnector {
        HTTPConnector(client: try TrustedCertificates.client(trusting: caFile), ownsClient: true)
    }

    private init(client: HTTPClient, ownsClient: Bool) {
        self.client = client
        self.ownsClient = ownsClient
    }

    func transport(for serverURL: String) -> any SyncTransport {
        HTTPSyncTransport(baseURL: serverURL, client: client)
    }

    /// Closes a client of its own (the shared one lives as long as the process).
    func shutdown() {
        if ownsClient { try? client.syncShutdown() }
    }
}
