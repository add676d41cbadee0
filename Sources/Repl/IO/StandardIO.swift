import Foundation

/// The process's standard input and output. Interactive when standard input is a terminal.
public final class StandardIO: ReplIO {
    public let isInteractive: Bool
    /// Long results at a terminal are shown through it; `nil` when paging is off.
    private let pager: Pager?
    /// Output held back for the pager (``holdOutput()``), or `nil` when writing straight through.
    private var held: String?

    public init(pager: Pager? = Pager.fromEnvironment()) {
        isInteractive = isatty(STDIN_FILENO) == 1
        self.pager = pager
    }

    public func readLine(prompt: String) -> String? {
        if isInteractive {
            write(prompt)
        }
        return Swift.readLine(strippingNewline: true)
    }

    public func write(_ text: String) {
        if held != nil {
            held?.append(text)
        } else {
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }

    /// Only when standard output is a terminal: into a pipe, output is written as it comes.
    public func holdOutput() {
        guard pager != nil, Pager.window() != nil else { return }
        held = held ?? ""
    }

    public func releaseOutput() {
        guard let text = held else { return }
        held = nil
        if let pager, let window = Pager.window(), Pager.isLonger(text, thanRows: window.rows, columns: window.columns),
           pager.show(text) {
            return
        }
        write(text)
    }

    /// Asked afresh for every table: the window may have been resized.
    public var style: TerminalStyle { .standardOutput() }
    public var errorStyle: TerminalStyle { .standardError() }

    public func writeError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
