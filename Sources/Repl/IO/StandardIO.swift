import Foundation

/// The process's standard input and output. Interactive when standard input is a terminal.
public final class StandardIO: ReplIO {
    public let isInteractive: Bool

    public init() {
        isInteractive = isatty(STDIN_FILENO) == 1
    }

    public func readLine(prompt: String) -> String? {
        if isInteractive {
            write(prompt)
        }
        return Swift.readLine(strippingNewline: true)
    }

    public func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }

    /// Asked afresh for every table: the window may have been resized.
    public var style: TerminalStyle { .standardOutput() }
    public var errorStyle: TerminalStyle { .standardError() }

    public func writeError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
