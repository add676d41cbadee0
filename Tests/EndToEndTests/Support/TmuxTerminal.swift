import Foundation

/// A program running in a real pseudo-terminal (a detached tmux session on a private tmux server), typed
/// at key by key and read off the screen, as a person would.
///
final class TmuxTerminal {
    let socket = "fieldbook-test-\(UUID().uuidString.prefix(8))"
    let session = "fb"

    /// Starts `command` (an argument list, run without a shell) in a `width`×`height` terminal. Paging is
    /// off (`PAGER=`) unless `environment` names a pager: a test reads long output off the screen.
    init(_ command: [String], width: Int = 100, height: Int = 40, environment: [String: String] = [:]) throws {
        var arguments = ["new-session", "-d", "-s", session, "-x", "\(width)", "-y", "\(height)"]
        let environment = environment.merging(["PAGER": ""]) { given, _ in given }
        for (key, value) in environment.sorted(by: { $0.key < $1.key }) { arguments += ["-e", "\(key)=\(value)"] }
        try tmux(arguments + ["--"] + command)
        try tmux(["set-option", "-t", session, "remain-on-exit", "on"])
    }

    deinit { _ = try? tmux(["kill-server"]) }

    /// Types text literally (no key names), without Enter.
    func type(_ text: String) throws { try tmux(["send-keys", "-t", session, "-l", text]) }

    /// Presses a key by tmux's name for it: Enter, Tab, Up, C-c, C-d.
    func press(_ key: String) throws { try tmux(["send-keys", "-t", session, key]) }

    /// Types a line and presses Enter.
    func line(_ text: String) throws {
        try type(text)
        try press("Enter")
    }

    /// The screen and its scrollback as plain text; with `escapes`, colour and bold codes are kept.
    func screen(escapes: Bool = false) throws -> String {
        try tmux(["capture-pane", "-p", "-J", "-S", "-", "-t", session] + (escapes ? ["-e"] : []), capture: true)
    }

    /// Waits until the screen contains `text` `count` times (10 s at most), and returns the screen.
    @discardableResult
    func waitFor(_ text: String, count: Int = 1, timeout: TimeInterval = 10) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let shown = try screen()
            if shown.components(separatedBy: text).count - 1 >= count { return shown }
            if Date() > deadline { throw TerminalTimeout(expected: text, screen: shown) }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// Whether the program has ended (the pane stays, with remain-on-exit, so its last screen can be read).
    func hasExited() throws -> Bool {
        try tmux(["display-message", "-p", "-t", session, "#{pane_dead}"], capture: true).trimmingCharacters(in: .whitespacesAndNewlines) == "1"
    }

    func waitForExit(timeout: TimeInterval = 10) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while try !hasExited() {
            if Date() > deadline { throw TerminalTimeout(expected: "the program to exit", screen: try screen()) }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// Runs a tmux client and waits for it; with `capture`, returns what it printed.
    ///
    /// Spawned directly rather than with Foundation's `Process`: the first client forks the tmux server,
    /// which inherits the client's descriptors and outlives it, and `Process` would wait for those to
    /// close. Here the client's output goes to a file and the wait is for the client alone.
    @discardableResult
    private func tmux(_ arguments: [String], capture: Bool = false) throws -> String {
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("\(socket)-\(UUID().uuidString).out").path
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        var environment = ProcessInfo.processInfo.environment
        environment["TERM"] = "xterm-256color"
        environment["TMUX"] = nil
        let argv = (["tmux", "-L", socket, "-f", "/dev/null"] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, capture ? outputPath : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        // The test's threads block most signals and a spawned process inherits that mask: the tmux server
        // would then ignore kill-server's SIGTERM and outlive the test, and the program in it would start
        // with SIGINT blocked. Start tmux with no signal blocked, as from a shell.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        posix_spawnattr_setsigmask(&attributes, &unblocked)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        var pid = pid_t()
        let spawned = posix_spawnp(&pid, "tmux", &actions, &attributes, argv, envp)
        guard spawned == 0 else {
            throw TerminalTimeout(expected: "tmux to start (is tmux installed? error \(spawned))", screen: "")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        guard status == 0 else {
            throw TerminalTimeout(expected: "tmux \(arguments.prefix(2).joined(separator: " ")) to succeed (status \(status))", screen: "")
        }
        return capture ? ((try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "") : ""
    }
}

struct TerminalTimeout: Error, CustomStringConvertible {
    let expected: String
    let screen: String
    var description: String { "waited for \(expected); the screen shows:\n\(screen)" }
}
