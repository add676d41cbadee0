import ArgumentParser

struct ReplCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repl",
        abstract: "Open the REPL on your local store (the default).",
        discussion: """
            Examples:
              fieldbook                                  interactive, on ~/.fieldbook/store.sqlite
              fieldbook --store visits.sqlite -c cases   one command, then exit
              fieldbook < script.txt                     one command per line; stops at the first error
            """
    )

    @OptionGroup var session: SessionOptions

    func run() throws {
        let store = try SessionOptions.open(path: session.resolvedStorePath(), user: session.resolvedUser())
        try session.runSession(on: store)
    }
}
