import ArgumentParser

struct ReplCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repl",
        abstract: "Open the REPL on your local store (the default).",
        discussion: """
            Examples:
              fieldbook                         interactive
              fieldbook --store my.sqlite -c cases
              fieldbook < script.txt            stops at the first error
            """
    )

    @OptionGroup var session: SessionOptions

    func run() throws {
        let store = try SessionOptions.open(path: session.resolvedStorePath(), user: session.resolvedUser())
        try session.runSession(on: store)
    }
}
