import ArgumentParser

@main
struct Fieldbook: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fieldbook",
        abstract: "Offline-first case recording for children's social care.",
        discussion: """
            Without a subcommand, fieldbook opens the REPL on your local store. On a terminal it is \
            interactive; otherwise it reads one command per line from standard input, stops at the first \
            failing command and exits 1. Type 'help' in the REPL for its commands.
            """,
        subcommands: [ReplCommand.self, DemoCommand.self],
        defaultSubcommand: ReplCommand.self
    )
}
