import ArgumentParser

@main
struct Fieldbook: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fieldbook",
        abstract: "Offline-first case recording for children's social care.",
        usage: """
            fieldbook [--store <path>] [--user <name>] [--keep-going] [-c <command> ...] [--ca-file <file>]
              fieldbook demo [--store <path>]
              fieldbook serve --data <path> --listen <host:port> [--tls-cert <file> --tls-key <file>]
              fieldbook admin --data <path> <subcommand>
            """,
        discussion: """
            Without a subcommand, fieldbook opens the REPL on your local store (--store, else \
            $FIELDBOOK_STORE, else ~/.fieldbook/store.sqlite), attributing changes to --user, else \
            $FIELDBOOK_USER, else your login name. On a terminal it is interactive; otherwise it reads \
            one command per line from standard input, stops at the first failing command and exits 1 \
            (--keep-going carries on). -c runs a command and exits. --ca-file also trusts your council's \
            certificate authority for an HTTPS central peer. 'fieldbook repl --help' details the \
            options; 'help' inside the REPL lists its commands.
            """,
        subcommands: [ReplCommand.self, DemoCommand.self, ServeCommand.self, AdminCommand.self],
        defaultSubcommand: ReplCommand.self
    )
}
