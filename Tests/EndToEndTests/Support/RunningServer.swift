import Foundation

/// A running `fieldbook serve`.
final class RunningServer {
    let process: Process
    let url: String

    /// - Parameter log: a file for the peer's log lines (standard error, at level info); without it the
    ///   log is dropped and only errors are logged.
    convenience init(binary: FieldbookBinary, data: String, port: Int = 0, fault: String? = nil, arguments: [String] = [],
                     environment extra: [String: String] = [:], log: String? = nil) throws {
        try self.init(binary: binary, storage: ["--data", data], port: port, fault: fault, arguments: arguments,
                      environment: extra, log: log)
    }

    /// - Parameter storage: where the peer keeps its data, as `serve` takes it (`--data DIR`).
    init(binary: FieldbookBinary, storage: [String], port: Int = 0, fault: String? = nil, arguments: [String] = [],
         environment extra: [String: String] = [:], log: String? = nil) throws {
        process = Process()
        process.executableURL = binary.url
        process.arguments = ["serve"] + storage + ["--listen", "127.0.0.1:\(port)"] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["FIELDBOOK_FAULT"] = fault
        environment["LOG_LEVEL"] = log == nil ? "error" : "info"
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        if let log {
            _ = FileManager.default.createFile(atPath: log, contents: nil)
            process.standardError = FileHandle(forWritingAtPath: log) ?? FileHandle.nullDevice
        } else {
            process.standardError = FileHandle.nullDevice
        }
        try process.run()
        var line = Data()
        while !line.contains(0x0A) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line += chunk
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let range = text.range(of: "https://") ?? text.range(of: "http://") else { throw CocoaError(.fileReadCorruptFile) }
        url = String(text[range.lowerBound...]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    var port: Int { Int(url.split(separator: ":").last ?? "0") ?? 0 }

    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}
