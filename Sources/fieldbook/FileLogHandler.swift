import Foundation
import Logging
import Store

/// Writes log lines to a private file instead of the terminal: the demo's embedded central peer logs here,
/// since its lines would otherwise land in the middle of the worker's REPL (issue 12, defect 2).
struct FileLogHandler: LogHandler {
    /// One open file shared by every logger that writes to it; lines are written whole, one at a time.
    final class File: @unchecked Sendable {
        private let handle: FileHandle
        private let lock = NSLock()

        /// Opens `path` for appending, creating it readable only by its owner.
        init(path: String) throws {
            if !FileManager.default.fileExists(atPath: path) { try PrivateFiles.createFile(atPath: path) }
            guard let handle = FileHandle(forWritingAtPath: path) else {
                throw CommandFailure.exit("cannot open the log file \(path) for writing")
            }
            handle.seekToEndOfFile()
            self.handle = handle
        }

        func write(_ line: String) {
            lock.withLock { handle.write(Data(line.utf8)) }
        }
    }

    let label: String
    let file: File
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let explicit = event.metadata { merged.merge(explicit) { _, new in new } }
        let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let time = Timestamp.iso8601(milliseconds: Timestamp.milliseconds(Date()))
        file.write("\(time) \(event.level) \(label): \(fields.isEmpty ? "" : fields + " ")\(event.message)\n")
    }
}
