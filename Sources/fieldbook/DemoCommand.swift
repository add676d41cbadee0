import ArgumentParser
import Foundation
import Repl
import Store

struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Open the REPL on a fresh demo store with a small, realistic caseload.",
        discussion: """
            The demo store is made in a new temporary folder unless --store names a file that does not \
            exist yet. Everything in it is invented. Try: cases, case LA-1001, show, history, verify, \
            sql SELECT * FROM visits.
            """
    )

    @OptionGroup var session: SessionOptions

    func run() throws {
        let path: String
        if let given = session.store {
            guard !FileManager.default.fileExists(atPath: given) else {
                throw CommandFailure.exit("\(given) already exists; the demo seeds a fresh store, so give a new path")
            }
            path = given
        } else {
            let folder = FileManager.default.temporaryDirectory
                .appendingPathComponent("fieldbook-demo-\(UUID().uuidString.prefix(8).lowercased())")
            path = folder.appendingPathComponent("store.sqlite").path
        }
        let user = session.user ?? DemoCaseload.worker
        let store = try SessionOptions.open(path: path, user: user)
        try DemoCaseload.seed(store)
        FileHandle.standardError.write(Data("""
            Demo store: \(path)
            You are \(user), a social worker with \(try store.caseIDs().count) cases. Type 'help' for commands.

            """.utf8))
        try session.runSession(on: store)
    }
}
