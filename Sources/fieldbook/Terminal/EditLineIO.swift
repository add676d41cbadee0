import CEditLine
import Foundation
import Repl
import Store

/// The interactive terminal: line editing, history kept beside the store across runs, and tab completion
/// (libedit, loaded at run time). Ctrl-C abandons the line being typed at once and never ends the
/// program; Ctrl-D on an empty line leaves.
///
/// Tab asks ``completer`` about the whole line before the cursor (``LineCompleter``): the command decides
/// what its next word can be. When several things match, Tab completes what they share and a second Tab
/// lists them, each record with its type, case, date and status beside its id: libedit lists the strings
/// it is given after the first, which need not be what is inserted, so the list carries that detail.
final class EditLineIO: ReplIO {
    let isInteractive = true
    private let historyPath: String
    private let output = StandardIO()

    /// Loads libedit (libedit.so.2, on every Debian machine; no headers needed) and reads the history.
    /// `nil` when libedit cannot be loaded: the caller reads plain lines instead.
    init?(historyPath: String) {
        self.historyPath = historyPath
        let loaded = fieldbook_editline_setup { text, _, _ in
            CompletionState.matches(for: text.map { String(cString: $0) } ?? "")
        }
        guard loaded == 1 else { return nil }
        _ = fieldbook_read_history(historyPath)
    }

    /// What Tab completes the line before the cursor to; `nil` when nothing matches.
    var completer: (String) -> LineCompletion? {
        get { CompletionState.completer }
        set { CompletionState.completer = newValue }
    }

    func readLine(prompt: String) -> String? {
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

/// The completer, shared with libedit's C callback (which cannot capture context).
private enum CompletionState {
    nonisolated(unsafe) static var completer: (String) -> LineCompletion? = { _ in nil }

    /// libedit's matches for `line`: first what replaces the line before the cursor, then, when the word is
    /// not complete, what a second Tab lists. libedit prints the list as it is, so anything holding a
    /// control character (synced from elsewhere) is left out rather than printed raw; the details are
    /// escaped already.
    static func matches(for line: String) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
        guard let completion = completer(line) else { return nil }
        var entries = [completion.replacement]
        if !completion.isComplete {
            entries += completion.listed.filter { !SafeText.needsEscaping($0) }
            if completion.unlisted > 0 {
                // Listed last: libedit sorts the list, and "…" sorts after letters and digits.
                entries.append("… and \(completion.unlisted) more: type more of the id")
            }
            // A lone entry after the first would read as the complete word: libedit would add a space.
            if entries.count == 2 { entries.append("") }
            // Records and cases are listed one to a line, each with its detail, not in columns: libedit
            // makes as many columns as the widest entry fits, so the widest is made half the terminal.
            if completion.candidates.contains(where: { !$0.detail.isEmpty }),
               let widest = entries.indices.dropFirst().max(by: { entries[$0].utf8.count < entries[$1].utf8.count }) {
                let half = (TerminalStyle.standardOutput().width ?? 80) / 2
                entries[widest] += String(repeating: " ", count: max(0, half - entries[widest].utf8.count))
            }
        }
        guard let list = fieldbook_match_list(entries.count) else { return nil }
        for (index, entry) in entries.enumerated() { list[index] = strdup(entry) }
        return list
    }
}

/// SIGINT while reading a line (handled in CEditLine): the line is abandoned instead of the program.
/// While a command runs, the same mark asks it to stop (`sql` polls it).
private enum Interruption {
    static func reset() { fieldbook_interrupt_reset() }
    static var happened: Bool { fieldbook_interrupt_happened() != 0 }
}
