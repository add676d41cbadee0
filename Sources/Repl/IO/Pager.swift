import Foundation

/// Shows output longer than the window through a pager, as git and psql do, so a long `cases`, `help` or
/// `sql` result can be read from its first line instead of scrolling away.
///
/// Only at a terminal: output to a pipe or a file is never paged, so scripts see the same bytes whatever
/// the environment. The pager is `$PAGER` (run by `/bin/sh -c`), else `less -R`; `PAGER=` (empty) or
/// `PAGER=cat` turns paging off. `less` is given `LESS=FRX` unless `LESS` is set: it leaves what was
/// read on the screen when it ends (X), and keeps colour (R).
public struct Pager: Sendable {
    /// The shell command the text is piped into.
    public let command: String

    /// The pager the environment asks for, or `nil` when paging is turned off.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Pager? {
        guard let value = environment["PAGER"] else { return Pager(command: "less -R") }
        let command = value.trimmingCharacters(in: .whitespaces)
        return command.isEmpty || command == "cat" ? nil : Pager(command: command)
    }

    /// Whether `text` needs more lines than a window of `rows` × `columns` shows with the prompt: long
    /// lines count once for every row they wrap onto; colour codes take no room.
    public static func isLonger(_ text: String, thanRows rows: Int, columns: Int) -> Bool {
        var used = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            let visible = line.count - colourCodeLength(line)
            used += max(1, (visible + max(columns, 1) - 1) / max(columns, 1))
            if used > rows - 1 { return true }
        }
        return false
    }

    private static func colourCodeLength(_ line: Substring) -> Int {
        var length = 0
        var index = line.startIndex
        while let escape = line[index...].firstIndex(of: "\u{1B}") {
            guard let end = line[escape...].firstIndex(of: "m") else { break }
            length += line.distance(from: escape, to: end) + 1
            index = line.index(after: end)
        }
        return length
    }

    /// The window's rows and columns, or `nil` when standard output is not a terminal.
    public static func window() -> (rows: Int, columns: Int)? {
        guard isatty(STDOUT_FILENO) == 1 else { return nil }
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_row > 0, size.ws_col > 0 else { return nil }
        return (Int(size.ws_row), Int(size.ws_col))
    }

    /// Pipes `text` into the pager and waits for the person to leave it. `false` if the pager could not
    /// be started (the caller prints the text itself).
    ///
    /// Spawned by hand rather than with Foundation's `Process`, which puts the child in a process group
    /// of its own: a pager outside the terminal's foreground group is stopped the moment it reads a key.
    public func show(_ text: String) -> Bool {
        var environment = ProcessInfo.processInfo.environment
        if environment["LESS"] == nil { environment["LESS"] = "FRX" }
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { return false }
        let (readEnd, writeEnd) = (ends[0], ends[1])
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, readEnd, STDIN_FILENO)
        posix_spawn_file_actions_addclose(&actions, readEnd)
        posix_spawn_file_actions_addclose(&actions, writeEnd)
        let words: [String] = ["/bin/sh", "-c", command]
        let arguments = words.map { strdup($0) } + [nil]
        let variables = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            arguments.forEach { free($0) }
            variables.forEach { free($0) }
        }
        var child: pid_t = 0
        let spawned = posix_spawn(&child, "/bin/sh", &actions, nil, arguments, variables)
        close(readEnd)
        guard spawned == 0 else {
            close(writeEnd)
            return false
        }
        // Quitting the pager before the end closes the pipe: that must not end Fieldbook (SIGPIPE).
        let previous = signal(SIGPIPE, SIG_IGN)
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { write(writeEnd, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { break }
            bytes = bytes.dropFirst(written)
        }
        close(writeEnd)
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0 && errno == EINTR {}
        signal(SIGPIPE, previous)
        // A shell that could not find the pager exits 127 before reading: show the text anyway.
        let exited = status & 0x7f == 0
        return !(exited && (status >> 8) & 0xff == 127)
    }
}
