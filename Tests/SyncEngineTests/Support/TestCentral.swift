import Central
import CentralHTTPServer
import CentralSQLite
import ClientSync
import Foundation
import Logging
import Store
import SyncHTTPClient
import SyncProtocol

/// A real central peer on 127.0.0.1 (a free port), storing in a temporary folder, for one test.
final class TestCentral: @unchecked Sendable {
    let folder: URL
    let admin: CentralAdministration
    /// The administration's storage, for what only SQLite has: the central replica's merged records.
    let sqlite: SQLiteCentralStorage
    let url: String
    private let server: Task<Void, any Error>

    static func start(limits: ServerLimits = .standard, clientAddress: ClientAddress = ClientAddress(),
                      folder given: URL? = nil) async throws -> TestCentral {
        let folder = given ?? FileManager.default.temporaryDirectory.appendingPathComponent("fieldbook-central-\(UUID().uuidString)")
        let storage = try SQLiteCentralStorage(folder: folder.path, actor: "admin")
        var logger = Logger(label: "test.central")
        logger.logLevel = .critical
        let peer = CentralPeer(storage: try SQLiteCentralStorage(folder: folder.path, actor: "central"), logger: logger,
                               clientAddress: clientAddress)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = try CentralHTTPServer.application(peer: peer, host: "127.0.0.1", port: 0, limits: limits, logger: logger) {
            continuation.yield($0)
        }
        let server = Task { try await app.runService() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CentralAdminError("the test peer did not start") }
        return TestCentral(folder: folder, sqlite: storage, url: "http://127.0.0.1:\(port)", server: server)
    }

    var port: Int { Int(url.split(separator: ":").last ?? "0") ?? 0 }

    private init(folder: URL, sqlite: SQLiteCentralStorage, url: String, server: Task<Void, any Error>) {
        self.folder = folder
        self.sqlite = sqlite
        self.admin = CentralAdministration(storage: sqlite)
        self.url = url
        self.server = server
    }

    func stop(keepingData: Bool = false) async {
        server.cancel()
        _ = await server.result
        if !keepingData { try? FileManager.default.removeItem(at: folder) }
    }

    /// A team: supervisor priya (team north), workers sam and lee (north), and kim (team south).
    func seedTeam() async throws {
        _ = try await admin.addUser("priya", role: .supervisor, team: "north")
        _ = try await admin.addUser("sam", role: .worker, team: "north")
        _ = try await admin.addUser("lee", role: .worker, team: "north")
        _ = try await admin.addUser("kim", role: .worker, team: "south")
    }

    /// A peer with ``seedTeam()``'s users and `cases` (id → worker) allocated, and a folder for devices.
    static func withTeam(cases: [String: String]) async throws -> (central: TestCentral, folder: URL) {
        let central = try await start()
        try await central.seedTeam()
        for (id, worker) in cases.sorted(by: { $0.key < $1.key }) { try await central.addCase(id, worker: worker) }
        return (central, try temporaryFolder())
    }

    func addCase(_ id: String, worker: String?) async throws {
        try await admin.addCase(id: id, values: [("child", "Child \(id)"), ("dob", "2015-01-01"), ("category", "CP"), ("plan_start", "2026-10-01")],
                          worker: worker)
    }

    /// A new enrolled device store for `user`, in `folder`.
    func device(_ user: String, in folder: URL, clock: @escaping @Sendable () -> Date = { Date() }) async throws -> Device {
        let store = try CaseStore(path: folder.appendingPathComponent("\(user)-\(UUID().uuidString.prefix(6)).sqlite").path,
                                  author: user, clock: clock)
        let device = Device(store: store, client: SyncClient(store: store, transport: HTTPSyncTransport(baseURL: url)))
        _ = try await device.client.enrol(serverURL: url, code: try await admin.newCode(for: user), deviceName: "\(user) test device")
        return device
    }

    /// The central replica's merged records.
    var replica: CaseStore { sqlite.replica }
}

struct Device {
    let store: CaseStore
    let client: SyncClient

    @discardableResult
    func sync() async throws -> SyncSummary { try await client.sync() }
}

func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("fieldbook-devices-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
