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
            // One likely command is more use than all of them; 'help' lists them.
            if let suggestion { return "unknown command '\(name)': did you mean '\(suggestion)'? ('help' lists the commands)" }
            return "unknown command '\(name)': 'help' lists the commands"
        case .usage(let command, let usage, let problem):
            return "\(command): \(problem); usage: \(usage)"
        }
    }
}
