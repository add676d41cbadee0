import Foundation
import Store

extension Interpreter {
    func edit(_ words: [String], spec: CommandSpec) throws {
        let arguments = CommandArguments(words)
        let id = try recordArgument(arguments, spec: spec)
        guard !arguments.pairs.isEmpty else {
            throw ReplError.usage(command: spec.name, usage: spec.usage, problem: "give the fields to change as key=value")
        }
        switch try store.edit(id, values: arguments.pairs) {
        case .changed(let fields):
            io.line("changed \(fields.joined(separator: ", ")) of \(id)")
        case .unchanged:
            io.line("no change: \(id) already has those values")
        }
    }

    func finalise(_ words: [String], spec: CommandSpec) throws {
        let arguments = CommandArguments(words)
        guard arguments.pairs.isEmpty else {
            throw ReplError.usage(command: spec.name, usage: spec.usage, problem: "finalise takes no key=value")
        }
        let id = try recordArgument(arguments, spec: spec)
        try store.finalise(id)
        io.line("finalised \(id); from now on it is corrected only by amendments")
    }

    func amend(_ words: [String], spec: CommandSpec) throws {
        var arguments = CommandArguments(words)
        let id = try recordArgument(arguments, spec: spec)
        guard let reason = arguments.take("reason") else {
            throw ReplError.usage(command: spec.name, usage: spec.usage, problem: "give reason=TEXT")
        }
        let amendment = try store.amend(id, reason: reason, values: arguments.pairs)
        io.line("amended \(id): \(arguments.pairs.map(\.key).joined(separator: ", "))")
        io.line("\(amendment)")
    }

    func delete(_ words: [String], spec: CommandSpec) throws {
        var arguments = CommandArguments(words)
        let id = try recordArgument(arguments, spec: spec)
        guard let reason = arguments.take("reason") else {
            throw ReplError.usage(command: spec.name, usage: spec.usage, problem: "give reason=TEXT")
        }
        if let extra = arguments.pairs.first {
            throw ReplError.usage(command: spec.name, usage: spec.usage, problem: "unexpected \(extra.key)=")
        }
        try store.delete(id, reason: reason)
        io.line("deleted \(id) (kept in the history, marked deleted: \(reason))")
    }
}
