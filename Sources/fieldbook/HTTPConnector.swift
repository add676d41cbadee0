import AsyncHTTPClient
import Central
import CentralSQLite
import ClientSync
import Repl
import SyncHTTPClient
import SyncProtocol

/// Connects the REPL's `enrol` and `sync` to a central peer over HTTP(S).
struct HTTPConnector: SyncConnector {
    /// A client that gives up connecting, or waiting for an answer, after a few seconds and may trust a
    /// council's own authority (`--ca-file`).
    let client: HTTPClient

    /// Trusting the system's authorities, and those in `caFile` if given.
    static func trusting(_ caFile: String?) throws -> HTTPConnector {
        HTTPConnector(client: try TrustedCertificates.client(trusting: caFile))
    }

    func transport(for serverURL: String) -> any SyncTransport {
        HTTPSyncTransport(baseURL: serverURL, client: client)
    }

    /// Closes the client.
    func shutdown() {
        try? client.syncShutdown()
    }
}
