import Repl
import SyncEngine
import SyncHTTPClient

/// Connects the REPL's `enrol` and `sync` to a central peer over HTTP(S).
struct HTTPConnector: SyncConnector {
    func transport(for serverURL: String) -> any SyncTransport {
        HTTPSyncTransport(baseURL: serverURL)
    }
}
