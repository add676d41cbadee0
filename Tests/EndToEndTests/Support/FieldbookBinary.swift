import Foundation

/// The built `fieldbook` executable, run as a user would: arguments, environment, standard input.
struct FieldbookBinary {
    struct Result {
        let status: Int32
        let output: String
        let errors: String
        var lines: [String] { output.split(whereSeparator: \.isNewline).map(String.init) }
    }

    let url: URL

    /// Finds the executable beside the test bundle (where `swift build` puts both).
    init() throws {
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("fieldbook")
            if FileManager.default.isExecutableFile(atPath: candidate.path) {
                url = candidate
                return
            }
            folder.deleteLastPathComponent()
        }
        // Tests/EndToEndTests/Support/FieldbookBinary.swift → the package root.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let fromSource = root.appendingPathComponent(".build/debug/fieldbook")
        guard FileManager.default.isExecutableFile(atPath: fromSource.path) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: fromSource.path])
        }
        url = fromSource
    }

    /// A process of the binary with the test's environment: no store or user from the caller's, UTC.
    func process(_ arguments: [String], environment: [String: String]) -> Process {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["FIELDBOOK_STORE"] = nil
        env["FIELDBOOK_USER"] = nil
        env["TZ"] = "UTC"
        for (key, value) in environment { env[key] = value }
        process.environment = env
        return process
    }

    func run(_ arguments: [String], input: String = "", environment: [String: String] = [:]) throws -> Result {
        let process = process(arguments, environment: environment)
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        // Read both pipes to the end before waiting, so a full pipe cannot block the child.
        let outData = stdout.fileHandleForReading.readDataToEndOfFile()
        let errData = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: String(decoding: outData, as: UTF8.self),
                      errors: String(decoding: errData, as: UTF8.self))
    }
}

/// A temporary folder removed when dropped.
final class Scratch {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("fieldbook-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit { try? FileManager.default.removeItem(at: url) }
}
