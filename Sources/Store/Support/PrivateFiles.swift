import Foundation

/// Files and folders only their owner can open: stores, the peer's data folder and what is in it.
///
/// They hold children's records. SQLite creates a database `0644` and `FileManager` a folder `0755` under
/// the usual umask, which lets every local account read them. Here a file is created `0600` and a folder
/// `0700` whatever the umask (the mode is set again after creation, since the umask only ever removes
/// bits). SQLite gives a database's `-wal` and `-shm` files the database's own mode, so creating the
/// database file here first makes them private too. Files and folders that already exist are left as they
/// are: ``exposedMode(of:)`` tells whether one lets others in, for a warning that says what to run.
public enum PrivateFiles {
    /// Read and write for the owner only.
    public static let fileMode: mode_t = 0o600
    /// Enter, list and create for the owner only.
    public static let folderMode: mode_t = 0o700

    /// Creates the folder at `path` and any missing parents, each `0700`. Existing ones are left alone
    /// (a shared parent such as `/srv` is not ours to change).
    public static func createFolder(atPath path: String) throws {
        guard !path.isEmpty, !FileManager.default.fileExists(atPath: path) else { return }
        let parent = folder(containing: path)
        if parent != path { try createFolder(atPath: parent) }
        guard mkdir(path, folderMode) == 0 else {
            let code = errno
            if code == EEXIST { return }  // made meanwhile by another process
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
        }
        guard chmod(path, folderMode) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }

    /// Creates an empty file at `path`, `0600`, unless one exists already (left as it is).
    public static func createFile(atPath path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, fileMode)
        guard descriptor >= 0 else {
            let code = errno
            if code == EEXIST { return }
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
        }
        defer { close(descriptor) }
        guard fchmod(descriptor, fileMode) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }

    /// The folder part of `path`: `""` for a bare file name, `/` for a file at the root.
    ///
    /// Written out rather than taken from `NSString.deletingLastPathComponent`, which in this toolchain's
    /// Foundation traps on a one-character path (`--store x` crashed).
    public static func folder(containing path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "" }
        if slash == trimmed.startIndex { return "/" }
        var folder = trimmed[..<slash]
        while folder.count > 1 && folder.hasSuffix("/") { folder = folder.dropLast() }
        return String(folder)
    }

    /// The permission bits of `path` when its group or other users may read, write or enter it; `nil`
    /// when only its owner may, or when there is no such file.
    public static func exposedMode(of path: String) -> mode_t? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        let mode = status.st_mode & 0o777
        return mode & 0o077 == 0 ? nil : mode
    }
}
