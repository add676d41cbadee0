import Foundation

extension PrivateFiles {
    /// Why ``write(_:toPath:replacing:)`` wrote nothing.
    public enum WriteError: Error, Equatable, CustomStringConvertible {
        /// A file (or anything else) is already at the path, and replacing was not asked for.
        case exists(path: String)
        /// The system refused: the step, and `errno`'s description.
        case failed(path: String, reason: String, code: Int32)

        public var description: String {
            switch self {
            case .exists(let path): return "\(path) exists already"
            case .failed(let path, let reason, _): return "cannot write \(path): \(reason)"
            }
        }

        /// The disk (or the user's quota) is full.
        public var isDiskFull: Bool {
            if case .failed(_, _, let code) = self { return code == ENOSPC || code == EDQUOT }
            return false
        }
    }

    /// Writes `bytes` to the file at `path`, readable and writable only by its owner (`0600`), all at
    /// once: they go to a new file beside it under a temporary name, are flushed to disk, and only then
    /// does that file take the name. Whoever opens `path` sees either no file (or the old one) or the whole
    /// new one, never a part, also after a crash.
    ///
    /// Without `replacing`, anything at `path` (a file, a folder, a link, also one made meanwhile by another
    /// process) is left alone and ``WriteError/exists(path:)`` thrown: the name is taken with `link(2)`,
    /// which never replaces. With it, an existing file is replaced with `rename(2)`. Either way the
    /// temporary file is removed when anything fails.
    public static func write(_ bytes: [UInt8], toPath path: String, replacing: Bool) throws {
        if !replacing, isTaken(path) {
            throw WriteError.exists(path: path)
        }
        let folder = folder(containing: path)
        let name = path.dropFirst(folder.isEmpty ? 0 : folder.count + (folder.hasSuffix("/") ? 0 : 1))
        let temporary = (folder.isEmpty ? "" : folder.hasSuffix("/") ? folder : folder + "/")
            + ".\(name).\(UUID().uuidString.prefix(8).lowercased()).tmp"
        func failure(_ step: String, _ code: Int32 = errno) -> WriteError {
            .failed(path: path, reason: "\(step): \(String(cString: strerror(code)))", code: code)
        }

        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, fileMode)
        guard descriptor >= 0 else { throw failure("cannot create a file in \(folder.isEmpty ? "." : folder)") }
        var named = false
        defer { if !named { unlink(temporary) } }
        do {
            defer { close(descriptor) }
            guard fchmod(descriptor, fileMode) == 0 else { throw failure("cannot make it private") }
            var written = 0
            while written < bytes.count {
                let count = bytes.withUnsafeBytes { buffer in
                    systemWrite(descriptor, buffer.baseAddress.map { $0 + written }, bytes.count - written)
                }
                if count < 0 {
                    if errno == EINTR { continue }
                    throw failure("writing failed")
                }
                written += count
            }
            guard fsync(descriptor) == 0 else { throw failure("flushing to disk failed") }
        }
        if replacing {
            guard rename(temporary, path) == 0 else { throw failure("cannot give it its name") }
            named = true
        } else {
            if link(temporary, path) != 0 {
                let code = errno
                if code == EEXIST { throw WriteError.exists(path: path) }
                throw failure("cannot give it its name", code)
            }
            unlink(temporary)
            named = true
        }
        // The new name is on disk only once its folder is.
        let folderDescriptor = open(folder.isEmpty ? "." : folder, O_RDONLY | O_CLOEXEC)
        if folderDescriptor >= 0 {
            fsync(folderDescriptor)
            close(folderDescriptor)
        }
    }

    /// Whether anything is at `path`, a dangling link included.
    private static func isTaken(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0
    }
}

/// `write(2)`, named apart from ``PrivateFiles/write(_:toPath:replacing:)``.
private func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    write(descriptor, buffer, count)
}
