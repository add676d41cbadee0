/// Where the interpreter reads commands and writes results: a terminal, a pipe, or a test's buffers.
public protocol ReplIO: AnyObject {
    /// Whether a person is typing: prompts are shown, missing fields are asked for, and a failing command
    /// does not end the session.
    var isInteractive: Bool { get }
    /// The next line without its newline, or `nil` at end of input.
    func readLine(prompt: String) -> String?
    /// Writes text to standard output.
    func write(_ text: String)
    /// Writes text to standard error.
    func writeError(_ text: String)
    /// The width tables must fit and whether colour is welcome on standard output, as things are now.
    var style: TerminalStyle { get }
    /// Whether colour is welcome on standard error.
    var errorStyle: TerminalStyle { get }
    /// Whether the person has asked the running command to stop (Ctrl-C at a terminal) since the command
    /// line was read. Asked from another thread while a long command runs (`sql`).
    var interruption: @Sendable () -> Bool { get }
    /// Holds standard output back from now on, for ``releaseOutput()`` to show at once: a command whose
    /// result may be longer than the window (``Pager``). Never called around a command that asks questions.
    func holdOutput()
    /// Shows what was held: through the pager when it is longer than the window, else as it is.
    func releaseOutput()
}

extension ReplIO {
    /// Writes a line to standard output. Values interpolated into it are escaped (``OutputLine``), so
    /// text from the store or the network is shown, never obeyed by the terminal.
    func line(_ line: OutputLine = "") { write(line.text + "\n") }

    /// Writes a line to standard error, escaped as ``line(_:)`` is, after `prefix` (the program's own
    /// `error:` or `warning:`, possibly coloured).
    func errorLine(_ line: OutputLine, prefix: String = "") { writeError(prefix + line.text + "\n") }

    /// Plain output: no width to fit, no colour.
    public var style: TerminalStyle { .plain }
    public var errorStyle: TerminalStyle { .plain }
    /// No way to ask: a script or a pipe is stopped by ending the process.
    public var interruption: @Sendable () -> Bool { { false } }
    /// Nothing to page: written as it comes.
    public func holdOutput() {}
    public func releaseOutput() {}
}

/// An in-memory ``ReplIO``: input lines given up front, output collected. For tests and `-c`.
public final class ScriptedIO: ReplIO {
    public let isInteractive: Bool
    private var input: [String]
    public private(set) var output = ""
    public private(set) var errors = ""
    /// The prompts shown, in order (interactive only).
    public private(set) var prompts: [String] = []
    /// What the output pretends to be (plain unless a test sets a width or colour).
    public var style: TerminalStyle = .plain
    /// Whether the running command is asked to stop; a test sets it to stand for Ctrl-C.
    public var interruption: @Sendable () -> Bool = { false }

    public init(lines: [String], interactive: Bool = false) {
        self.input = lines.reversed()
        self.isInteractive = interactive
    }

    public func readLine(prompt: String) -> String? {
        if isInteractive { prompts.append(prompt) }
        return input.popLast()
    }

    public func write(_ text: String) { output += text }
    public func writeError(_ text: String) { errors += text }
}
