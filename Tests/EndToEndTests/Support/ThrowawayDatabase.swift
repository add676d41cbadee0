import Foundation
import Seeded
import Testing

/// A fresh PostgreSQL database for one end-to-end test, on the server in `FIELDBOOK_TEST_POSTGRES` (as CI
/// exports it) or on the throwaway cluster `.ci/postgres.sh` starts; dropped by ``drop()``. Made and dropped
/// with `psql`, which Debian's postgresql package installs with the server.
struct ThrowawayDatabase {
    let url: String
    private let server: String
    private let name: String

    /// A new database; cancels the calling test (a skip) where there is no PostgreSQL to make one on.
    static func make() throws -> ThrowawayDatabase {
        let server = try serverURL()
        let name = "e2e_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try psql(server, "CREATE DATABASE \(name)")
        guard var components = URLComponents(string: server) else { throw CocoaError(.fileReadCorruptFile) }
        components.path = "/" + name
        return ThrowawayDatabase(url: components.string ?? server, server: server, name: name)
    }

    func drop() {
        try? Self.psql(server, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }

    private static func serverURL() throws -> String {
        if let url = ProcessInfo.processInfo.environment["FIELDBOOK_TEST_POSTGRES"], !url.isEmpty { return url }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(".ci/postgres.sh")
        let bin = ProcessInfo.processInfo.environment["POSTGRES_BIN"] ?? "/usr/lib/postgresql/15/bin"
        guard FileManager.default.isExecutableFile(atPath: bin + "/initdb") else {
            try Test.cancel("PostgreSQL tests skipped: FIELDBOOK_TEST_POSTGRES is not set and there is no PostgreSQL in \(bin) (apt-get install postgresql)")
        }
        let (status, output, errors) = try runTool("/bin/bash", [script.path, "start", "--watch", String(getpid())])
        guard status == 0, !output.isEmpty else { try Test.cancel("PostgreSQL tests skipped: \(script.path) start failed: \(errors)") }
        return output
    }

    private static func psql(_ server: String, _ sql: String) throws {
        let (status, _, errors) = try runTool("/usr/bin/psql", [server, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql])
        guard status == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "psql: \(errors)"]) }
    }
}
