import Foundation
import Testing

/// The modules above the storage engines import no database library. SwiftPM lets a target import any
/// module its dependencies bring in (GRDB comes with Store), so the package's dependency lists alone do not
/// keep `import GRDB` out of the peer's logic: this test reads the sources. The other half of the rule,
/// that no public declaration of Store or of an engine names a GRDB or PostgresNIO type, the compiler checks
/// (they import them `package` or `internal`).
@Suite struct ModuleBoundaryTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Folders of modules that may not import a database library, and the libraries.
    static let aboveTheStorage = ["Sources/SyncEngine", "Sources/Repl", "Sources/CentralHTTPServer",
                                  "Sources/SyncHTTPClient", "Sources/fieldbook"]
    static let databaseLibraries = ["GRDB", "GRDBSQLite", "PostgresNIO", "SQLite3"]

    @Test func noModuleAboveTheStorageImportsADatabaseLibrary() throws {
        var offences: [String] = []
        var read = 0
        for folder in Self.aboveTheStorage {
            for (path, text) in try Self.swiftFiles(under: folder) {
                read += 1
                for line in text.split(separator: "\n") {
                    let words = line.split(separator: " ").map(String.init)
                    guard let at = words.firstIndex(of: "import"), at + 1 < words.count,
                          words[..<at].allSatisfy({ $0.hasPrefix("@") || ["internal", "package", "public", "private", "fileprivate"].contains($0) })
                    else { continue }
                    if Self.databaseLibraries.contains(words[at + 1]) { offences.append("\(path): \(line)") }
                }
            }
        }
        #expect(read > 50, "the sources were not found under \(Self.root.path)")
        #expect(offences.isEmpty, "\(offences.joined(separator: "\n"))")
    }

    @Test func storeAndTheEnginesImportTheirDatabaseLibraryOnlyPackageOrInternal() throws {
        var offences: [String] = []
        for folder in ["Sources/Store", "Sources/CentralSQLite", "Sources/CentralPostgres"] {
            for (path, text) in try Self.swiftFiles(under: folder) {
                for line in text.split(separator: "\n") where Self.databaseLibraries.contains(where: { line.hasSuffix("import \($0)") }) {
                    if !(line.hasPrefix("package import ") || line.hasPrefix("internal import ")) { offences.append("\(path): \(line)") }
                }
            }
        }
        #expect(offences.isEmpty, "\(offences.joined(separator: "\n"))")
    }

    private static func swiftFiles(under folder: String) throws -> [(String, String)] {
        let base = root.appendingPathComponent(folder)
        guard let walker = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil) else { return [] }
        var files: [(String, String)] = []
        for case let url as URL in walker where url.pathExtension == "swift" {
            files.append((url.path.replacingOccurrences(of: root.path + "/", with: ""), try String(contentsOf: url, encoding: .utf8)))
        }
        return files
    }
}
