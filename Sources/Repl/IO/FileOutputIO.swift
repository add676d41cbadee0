import Foundation
import Store

/// Standard output sent to a file by `.output FILE`: results go to the file, plain (no colour, no fitting
/// to a window, never paged); questions, prompts and errors stay on the terminal.
final class FileOutputIO: ReplIO {
    let path: String
    private let base: ReplIO
    private let handle: FileHandle
    /// The first write that failed (a full disk), reported when the file is closed.
    private(set) var failure: (any Error)?

    /// Creates `path` (`0600`; refused if it exists, so a result never overwrites a file by accident).
    init(path: String, base: ReplIO) throws {
        guard !path.isEmpty else { throw ReplError.syntax(".output needs a file name") }
        guard !FileManager.default.fileExists(atPath: path) else {
            throw ReplError.syntax("\(path) exists already: give a new file name, or remove that file first")
        }
        try PrivateFiles.createFile(atPath: path)
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw ReplError.syntax("cannot write to \(path)")
        }
        self.path = path
        self.base = base
        self.handle = handle
    }

    var isInteractive: Bool { base.isInteractive }
    func readLine(prompt: String) -> String? { base.readLine(prompt: prompt) }
    var interruption: @Sendable () -> Bool { base.interruption }
    var errorStyle: TerminalStyle { base.errorStyle }
    func writeError(_ text: String) { base.writeError(text) }

    func write(_ text: String) {
        guard failure == nil else { return }
        do {
            try handle.write(contentsOf: Data(text.utf8))
        } catch {
            failure = error
        }
    }

    /// Closes the file; the first write error, if any, is thrown here.
    func close() throws {
        try? handle.synchronize()
        try handle.close()
        if let failure { throw failure }
    }
}
