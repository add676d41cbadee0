import CEditLine
import Foundation
import Repl
import Store

/// The interactive terminal: line editing, history kept beside the store across runs, and tab completion
/// of commands, case ids and record ids (libedit, loaded at run time). Ctrl-C abandons the line being typed at once and never
/// ends the program; Ctrl-D on an empty line leaves.
final class EditLineIO: ReplIO {
    let isInteractive = true
    private let historyPath: String
    private let output = StandardIO()

    /// Loads libedit (libedit.so.2, on every Debian machine; no headers needed) and reads the history.
    /// `nil` when libedit cannot be loaded: the caller reads plain lines instead.
    ///
    /// - Parameter candidates: what tab completes, asked afresh before each line.
    init?(historyPath: String, candidates: @escaping () -> [String]) {
        self.historyPath = historyPath
        CompletionState.provider = candidates
        let loaded = fieldbook_editline_setup { text, _, _ in
            fieldbook_completion_matches(text) { text, state in CompletionState.next(text, state) }
        }
        guard loaded == 1 else { return nil }
        _ = fieldbook_read_history(historyPath)
    }

    func readLine(prompt: String) -> String? {
        CompletionState.refresh()
        while true {
            Interruption.reset()
            guard let raw = fieldbook_readline(prompt) else {
                if Interruption.happened {
                    // Ctrl-C: drop the line, offer a fresh prompt.
                    output.write("^C\n")
                    continue
                }
                // Ctrl-D at a question: end the line, so what follows starts on its own.
                if prompt != Interpreter.prompt { output.write("\n") }
                return nil
            }
            defer { free(raw) }
            if Interruption.happened {
                output.write("^C\n")
                continue
            }
            let line = String(cString: raw)
            // Commands go into the history; answers to questions (yes, no, a paragraph) do not.
            if prompt == Interpreter.prompt && !line.trimmingCharacters(in: .whitespaces).isEmpty {
                fieldbook_add_history(raw)
                _ = fieldbook_write_history(historyPath)
            }
            return line
        }
    }

    /// Ctrl-C while a command runs: the handler's mark (cleared before each line is read), which a
    /// running `sql` polls to stop its query.
    var interruption: @Sendable () -> Bool { { Interruption.happened } }

    func write(_ text: String) { output.write(text) }
    var style: TerminalStyle { output.style }
    var errorStyle: TerminalStyle { output.errorStyle }
    func writeError(_ text: String) { output.writeError(text) }
    func holdOutput() { output.holdOutput() }
    func releaseOutput() { output.releaseOutput() }
}

/// Completion candidates, shared with libedit's C callbacks (which cannot capture context).
private enum CompletionState {
    nonisolated(unsafe) static var provider: () -> [String] = { [] }
    nonisolated(unsafe) static var candidates: [String] = []
    nonisolated(unsafe) static var matches: [String] = []
    nonisolated(unsafe) static var index = 0

    /// libedit lists the matches on the terminal as they are: a case id holding a control character
    /// (synced from elsewhere) is left out rather than printed raw.
    static func refresh() { candidates = provider().filter { !SafeText.needsEscaping($0) } }

    static func next(_ text: UnsafePointer<CChar>?, _ state: Int32) -> UnsafeMutablePointer<CChar>? {
        if state == 0 {
            let prefix = text.map { String(cString: $0) } ?? ""
            matches = candidates.filter { $0.hasPrefix(prefix) }
            index = 0
        }
        guard index < matches.count else { return nil }
        defer { index += 1 }
        return strdup(matches[index])
    }
}

/// SIGINT while reading a line (handled in CEditLine): the line is abandoned instead of the program.
/// While a command runs, the same mark asks it to stop (`sql` polls it).
private enum Interruption {
    static func reset() { fieldbook_interrupt_reset() }
    static var happened: Bool { fieldbook_interrupt_happened() != 0 }
}
