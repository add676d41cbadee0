import Foundation

/// How output may be dressed for the terminal it goes to: the width tables must fit, and whether colour
/// is welcome. Pipes and files get neither, so scripts see the same bytes whatever the terminal.
public struct TerminalStyle: Sendable, Equatable {
    /// Columns available; `nil` when the output is not a terminal (tables then keep their natural width).
    public var width: Int?
    /// Colour and bold: only on a terminal, never with `NO_COLOR` set (https://no-color.org) or `TERM=dumb`.
    public var colour: Bool

    public init(width: Int? = nil, colour: Bool = false) {
        self.width = width
        self.colour = colour
    }

    public static let plain = TerminalStyle()

    /// The style for standard output as it is now (asked afresh, so a resized window is followed).
    public static func standardOutput(environment: [String: String] = ProcessInfo.processInfo.environment) -> TerminalStyle {
        of(STDOUT_FILENO, environment: environment)
    }

    /// The style for standard error: colour for `error:` only when it too is a terminal.
    public static func standardError(environment: [String: String] = ProcessInfo.processInfo.environment) -> TerminalStyle {
        of(STDERR_FILENO, environment: environment)
    }

    private static func of(_ descriptor: Int32, environment: [String: String]) -> TerminalStyle {
        guard isatty(descriptor) == 1 else { return .plain }
        var size = winsize()
        let measured = ioctl(descriptor, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0 ? Int(size.ws_col) : nil
        return terminal(columns: measured, environment: environment)
    }

    /// The style for a terminal `columns` wide (`nil` if it would not say; `COLUMNS` is used then).
    static func terminal(columns: Int?, environment: [String: String]) -> TerminalStyle {
        let noColour = !(environment["NO_COLOR"] ?? "").isEmpty || environment["TERM"] == "dumb"
        return TerminalStyle(width: columns ?? environment["COLUMNS"].flatMap(Int.init), colour: !noColour)
    }

    /// `highlight` marks the words a search matched (reverse video, as `less` shows matches).
    enum Tone { case bold, alert, warning, highlight }

    /// `text` in a tone, when colour is on.
    func paint(_ text: String, _ tone: Tone) -> String {
        guard colour, !text.isEmpty else { return text }
        let code: String
        switch tone {
        case .bold: code = "1"
        case .alert: code = "31"
        case .warning: code = "33"
        case .highlight: code = "7"
        }
        return "\u{1B}[\(code)m\(text)\u{1B}[0m"
    }
}
