import Foundation
import Testing

/// Stores, their history and the peer's data folder hold children's records: they are created readable by
/// their owner alone whatever the umask, and `status`, `verify` and `serve` warn about older files that are
/// not. The real binary, started through /bin/sh with a permissive umask.
@Suite struct FilePermissionTests {
    let binary: FieldbookBinary
    let scratch: Scratch

    init() throws {
        binary = try FieldbookBinary()
        scratch = try Scratch()
    }

    /// The permission bits of `path`, or -1 when there is no such file.
    private func mode(_ path: String) -> Int {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        return (attributes?[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    /// `fieldbook ARGUMENTS` under `umask 000`, its standard input kept open until `body` has looked.
    private func withUmaskZero(_ arguments: [String], firstLine: String, waitingFor expected: String,
                               _ body: () throws -> Void) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", #"umask 000; exec "$0" "$@""#, binary.url.path] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["FIELDBOOK_STORE"] = nil
        environment["TZ"] = "UTC"
        process.environment = environment
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        input.fileHandleForWriting.write(Data((firstLine + "\n").utf8))
        var seen = Data()
        while !String(decoding: seen, as: UTF8.self).contains(expected) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += chunk
        }
        #expect(String(decoding: seen, as: UTF8.self).contains(expected))
        try body()
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    @Test func aNewStoreItsLogFilesAndItsFoldersAreTheOwnersAlone() throws {
        let store = scratch.path("new/folder/s.sqlite")
        try withUmaskZero(["--store", store, "--user", "sam"], firstLine: "case add LA-1 child=Jo dob=2015-01-01 category=CIN",
                          waitingFor: "added case LA-1") {
            // While the store is open its write-ahead log and shared-memory index exist too.
            #expect(mode(store) == 0o600)
            #expect(mode(store + "-wal") == 0o600)
            #expect(mode(store + "-shm") == 0o600)
            #expect(mode(scratch.path("new/folder")) == 0o700)
            #expect(mode(scratch.path("new")) == 0o700)
        }
        let status = try binary.run(["--store", store, "-c", "status", "-c", "verify"])
        #expect(status.status == 0)
        #expect(status.errors == "", "no warning for a private store")
    }

    /// Foundation's `deletingLastPathComponent` trapped on such a path: `fieldbook --store x` crashed.
    @Test func aStoreNamedByOneCharacterInTheCurrentFolder() throws {
        let process = binary.process(["--store", "x", "--user", "sam", "-c", "status"], environment: [:])
        process.currentDirectoryURL = scratch.url
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(mode(scratch.path("x")) == 0o600)
    }

    @Test func theTerminalsCommandHistoryIsTheOwnersAlone() throws {
        let store = scratch.path("s.sqlite")
        let terminal = try TmuxTerminal(["/bin/sh", "-c", #"umask 000; exec "$0" "$@""#, binary.url.path, "--store", store, "--user", "sam"],
                                        environment: ["TZ": "UTC", "NO_COLOR": "1"])
        try terminal.waitFor("fieldbook> ")
        try terminal.line("cases")
        try terminal.waitFor("(0 rows)")
        try terminal.press("C-d")
        try terminal.waitForExit()
        #expect(mode(store + ".history") == 0o600)
        #expect(mode(store) == 0o600)
    }

    @Test func statusAndVerifyWarnAboutAStoreOthersCanReadAndSayWhatToRun() throws {
        let folder = scratch.path("old store")
        let store = folder + "/s.sqlite"
        #expect(try binary.run(["--store", store, "--user", "sam", "-c", "status"]).status == 0)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: store)
        let warned = try binary.run(["--store", store, "-c", "status", "-c", "verify"])
        #expect(warned.status == 0, "a warning, not a failure")
        let warning = "warning: \(store) (mode 644) can be read by other users of this computer, and it holds children's records; "
            + "to make it yours alone, run: chmod 600 '\(store)'\n"
        #expect(warned.errors == warning + warning, "\(warned.errors)")
        #expect(warned.output.contains("verified"))
        #expect(try binary.run(["--store", store, "-c", "status"]).errors == warning, "warned every time until it is fixed")
        let chmod = Process()
        chmod.executableURL = URL(fileURLWithPath: "/bin/sh")
        chmod.arguments = ["-c", "chmod 600 '\(store)'"]
        try chmod.run()
        chmod.waitUntilExit()
        #expect(try binary.run(["--store", store, "-c", "status"]).errors == "", "the command it gave works")
    }

    @Test func thePeersDataFolderIsTheOwnersAloneAndServeWarnsAboutAnOlderOne() throws {
        let data = scratch.path("central/data")
        try withUmaskZero(["admin", "--data", data, "user", "add", "sam", "--role", "worker"], firstLine: "",
                          waitingFor: "enrolment code for sam") {}
        #expect(mode(data) == 0o700)
        #expect(mode(scratch.path("central")) == 0o700)
        #expect(mode(data + "/central.sqlite") == 0o600)
        let log = scratch.path("peer.log")
        let server = try RunningServer(binary: binary, data: data, log: log)
        #expect(mode(data + "/central.sqlite-wal") == 0o600, "the log files take the database's mode")
        #expect(mode(data + "/central.sqlite-shm") == 0o600)
        server.stop()
        #expect(try !String(contentsOfFile: log, encoding: .utf8).contains("other users"))

        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: data)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: data + "/central.sqlite")
        let again = try RunningServer(binary: binary, data: data, log: log)
        again.stop()
        let logged = try String(contentsOfFile: log, encoding: .utf8)
        #expect(logged.contains("warning fieldbook.central: exposed=\(data) \(data)/central.sqlite fix=chmod 700 \(data) && chmod 600 \(data)/central.sqlite"),
                "\(logged)")
        #expect(logged.contains("other users of this computer can read the data folder, which holds children's records"))
    }
}
