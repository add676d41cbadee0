import AsyncHTTPClient
import Central
import CentralHTTPServer
import CentralSQLite
import ClientSync
import Foundation
import Logging
import Store
import SyncHTTPClient
import SyncProtocol

/// A real central peer (`fieldbook serve`'s HTTP server and storage) on 127.0.0.1, with a byte-counting
/// proxy in front of it.
final class BenchPeer: @unchecked Sendable {
    let folder: ScratchFolder
    let admin: CentralAdministration
    let directURL: String
    let wire: WireCounter
    private let server: Task<Void, any Error>

    static func start() async throws -> BenchPeer {
        let folder = try ScratchFolder("central")
        var logger = Logger(label: "bench.central")
        logger.logLevel = .critical
        let peer = CentralPeer(storage: try SQLiteCentralStorage(folder: folder.url.path, actor: "central"), logger: logger)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = try CentralHTTPServer.application(peer: peer, host: "127.0.0.1", port: 0, logger: logger) { continuation.yield($0) }
        let server = Task { try await app.runService() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw BenchError("the central peer did not start") }
        let admin = CentralAdministration(storage: try SQLiteCentralStorage(folder: folder.url.path, actor: "admin"))
        return BenchPeer(folder: folder, admin: admin, directURL: "http://127.0.0.1:\(port)",
                         wire: try await WireCounter(forwardingTo: port), server: server)
    }

    private init(folder: ScratchFolder, admin: CentralAdministration, directURL: String, wire: WireCounter, server: Task<Void, any Error>) {
        self.folder = folder
        self.admin = admin
        self.directURL = directURL
        self.wire = wire
        self.server = server
    }

    var centralDatabasePath: String { folder.path("central.sqlite") }

    /// A second ``CentralPeer`` on the same storage, called in-process: the peer's work without HTTP.
    func inProcessTransport() throws -> InProcessTransport {
        var logger = Logger(label: "bench.central.in-process")
        logger.logLevel = .critical
        return InProcessTransport(peer: CentralPeer(storage: try SQLiteCentralStorage(folder: folder.url.path, actor: "central"), logger: logger))
    }

    /// A new store enrolled for `user`, syncing through the byte-counting proxy.
    /// `transport` replaces HTTP through the proxy (W4 times requests, or calls the peer in-process).
    func device(_ user: String, path: String, client: HTTPClient = .shared, durability: CaseStore.Durability = .full,
                transport: ((any SyncTransport) -> any SyncTransport)? = nil) async throws -> BenchDevice {
        let store = try CaseStore(path: path, author: user, durability: durability)
        // FIELDBOOK_BENCH_DIRECT=1 bypasses the byte-counting proxy (to see what the proxy itself costs).
        let url = ProcessInfo.processInfo.environment["FIELDBOOK_BENCH_DIRECT"] == "1" ? directURL : wire.url
        let http = HTTPSyncTransport(baseURL: url, client: client)
        var sync = SyncClient(store: store, transport: transport?(http) ?? http)
        sync.pushBatch = 1000
        sync.pullBatch = 1000
        // FIELDBOOK_SYNC_PROTOCOL=1 measures protocol version 1 (push, then pull) for comparison.
        if ProcessInfo.processInfo.environment["FIELDBOOK_SYNC_PROTOCOL"] == "1" { sync.protocolVersion = .v1 }
        _ = try await sync.enrol(serverURL: url, code: try await admin.newCode(for: user), deviceName: "bench \(user)")
        return BenchDevice(store: store, client: sync)
    }

    func stop() async {
        await wire.close()
        server.cancel()
        _ = await server.result
    }
}

struct BenchDevice {
    let store: CaseStore
    let client: SyncClient

    @discardableResult
    func sync() async throws -> SyncSummary { try await client.sync() }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
