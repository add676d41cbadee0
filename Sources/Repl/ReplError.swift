/// A command the interpreter could not run as typed. The message says what would work.
public enum ReplError: Error, Equatable, CustomStringConvertible {
    case syntax(String)
    case unknownCommand(String, suggestion: String?)
    case usage(command: String, usage: String, problem: String)

    public var description: String {
        switch self {
        case .syntax(let message):
            return message
        case .unknownCommand(let name, let suggestion):
            let hint = suggestion.map { "did you mean '\($0)'? " } ?? ""
            return "unknown command '\(name)': \(hint)commands are " + CommandCatalog.names.joined(separator: ", ")
                + " ('help COMMAND' explains one)"
        case .usage(let command, let usage, let problem):
            return "\(command): \(problem); usage: \(usage)"
        }
    }
}
