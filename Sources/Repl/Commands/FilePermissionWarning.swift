import Foundation
import Store

extension Interpreter {
    /// Warns, on standard error, when the store or a file beside it (its `-wal` and `-shm`, the terminal's
    /// command history) can be read by other users of this computer, and says what to run.
    ///
    /// New stores are created private (``PrivateFiles``); one made by an older version, copied, or
    /// restored from a backup may not be. `status` and `verify` are where a person checks their store,
    /// so they say it there, every time, until it is fixed; nothing is changed behind their back. The
    /// command names exactly the files found (no wildcard that could reach other files).
    func warnIfStoreIsExposed() {
        func exposedFiles(_ paths: [String]) -> [(path: String, mode: mode_t)] {
            paths.compactMap { path in PrivateFiles.exposedMode(of: path).map { (path: path, mode: $0) } }
        }
        // SQLite gives the -wal and -shm files the store's own mode each time it makes them, so they are
        // named only when the store itself is already private.
        var exposed = exposedFiles([store.path])
        if exposed.isEmpty { exposed = exposedFiles([store.path + "-wal", store.path + "-shm"]) }
        exposed += exposedFiles([store.path + ".history"])
        guard !exposed.isEmpty else { return }
        let list = exposed.map { "\($0.path) (mode \(String($0.mode, radix: 8)))" }.joined(separator: ", ")
        let one = exposed.count == 1
        let command = "chmod 600 " + exposed.map { ShellWord.quoted($0.path) }.joined(separator: " ")
        io.errorLine("""
            \(list) can be read by other users of this computer, and \(one ? "it holds" : "they hold") children's \
            records; to make \(one ? "it" : "them") yours alone, run: \(command)
            """, prefix: io.errorStyle.paint("warning:", .warning) + " ")
    }
}
