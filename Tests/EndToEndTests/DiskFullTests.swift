import Foundation
import GRDB
import Testing

/// A full disk (SQLITE_FULL, injected with FIELDBOOK_FAULT_DISK_FULL=1: the file cannot grow) on the
/// device and on the central peer: a clear error, the store intact, and work resumes once there is space.
@Suite(.serialized) struct DiskFullTests {
    let binary: FieldbookBinary
    let scratch: Scratch
    static let full = ["FIELDBOOK_FAULT_DISK_FULL": "1"]

    init() throws {
        binary = try FieldbookBinary()
        scratch = try Scratch()
    }

    private func notes(_ path: String) throws -> Int {
        var configuration = Configuration()
        configuration.readonly = true
        return try DatabaseQueue(path: path, configuration: configuration).read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM record WHERE type = 'note'") ?? -1
        }
    }

    /// Text long enough that saving it needs new pages in the file.
    private func longText(_ label: String) -> String {
        (0..<400).map { "\(label) paragraph \($0) of the visit notes;" }.joined(separator: " ")
    }

    @Test func aFullDiskOnTheDeviceRefusesTheWriteAndKeepsEverythingElse() throws {
        let store = scratch.path("device.sqlite")
        let setUp = try binary.run(["--store", store, "--user", "sam", "-c", "case add LA-1 child=\"Ann Lee\" dob=2014-01-01 category=CIN",
                                    "-c", "note LA-1 saved before the disk filled"])
        #expect(setUp.status == 0, "\(setUp.errors)")

        let refused = try binary.run(["--store", store, "--user", "sam", "-c", "note LA-1 \(longText("lost"))"], environment: Self.full)
        #expect(refused.status == 1)
        #expect(refused.errors.contains("the disk is full: what this command was writing was not saved"), "\(refused.errors)")
        let reading = try binary.run(["--store", store, "--user", "sam", "-c", "verify", "-c", "history LA-1"], environment: Self.full)
        #expect(reading.status == 0, "reading still works on a full disk: \(reading.errors)")
        #expect(try notes(store) == 1, "the earlier note is intact and nothing half-written was kept")

        let resumed = try binary.run(["--store", store, "--user", "sam", "-c", "note LA-1 \(longText("kept"))", "-c", "verify"])
        #expect(resumed.status == 0, "with space again the same command works: \(resumed.errors)")
        #expect(try notes(store) == 2)
    }

    @Test func aFullDiskOnEitherSideOfASyncLosesNothing() throws {
        let data = scratch.path("central")
        let samCode = String(try binary.run(["admin", "--data", data, "user", "add", "sam", "--role", "worker", "--team", "north"])
            .output.split(whereSeparator: \.isWhitespace).last ?? "")
        let priyaCode = String(try binary.run(["admin", "--data", data, "user", "add", "priya", "--role", "supervisor", "--team", "north"])
            .output.split(whereSeparator: \.isWhitespace).last ?? "")
        #expect(try binary.run(["admin", "--data", data, "case", "add", "LA-1", "--child", "Ann Lee", "--dob", "2014-01-01",
                                "--category", "CIN", "--worker", "sam"]).status == 0)
        var server = try RunningServer(binary: binary, data: data)
        defer { server.stop() }
        let sam = scratch.path("sam.sqlite"), priya = scratch.path("priya.sqlite")
        #expect(try binary.run(["--store", sam, "-c", "enrol \(server.url) \(samCode)", "-c", "sync"]).status == 0)
        #expect(try binary.run(["--store", priya, "-c", "enrol \(server.url) \(priyaCode)", "-c", "sync"]).status == 0)

        // The central peer's disk fills: pushes are refused with a reason, the device keeps its work.
        let port = server.port
        server.stop()
        server = try RunningServer(binary: binary, data: data, port: port, environment: Self.full)
        let script = (1...5).map { "note LA-1 \(longText("sam \($0)"))" }.joined(separator: "\n")
        #expect(try binary.run(["--store", sam], input: script).status == 0)
        let refused = try binary.run(["--store", sam, "-c", "sync"])
        #expect(refused.status == 1)
        #expect(refused.errors.contains("the central peer's disk is full"), "\(refused.errors)")
        #expect(refused.errors.contains("storage_full"))
        let status = try binary.run(["--store", sam, "-c", "status"])
        #expect(status.output.contains("5 change"), "the five notes still wait to be sent: \(status.output)")

        // Space again: the same sync goes through and the supervisor receives every note.
        server.stop()
        server = try RunningServer(binary: binary, data: data, port: port)
        #expect(try binary.run(["--store", sam, "-c", "sync"]).status == 0)
        #expect(try notes(data + "/central.sqlite") == 5)

        // The supervisor's laptop is full: the pull fails whole, and the next one, with space, brings all.
        let pullRefused = try binary.run(["--store", priya, "-c", "sync"], environment: Self.full)
        #expect(pullRefused.status == 1)
        #expect(pullRefused.errors.contains("the disk is full"), "\(pullRefused.errors)")
        #expect(try notes(priya) == 0)
        #expect(try binary.run(["--store", priya, "-c", "verify"]).status == 0)
        let pulled = try binary.run(["--store", priya, "-c", "sync", "-c", "verify"])
        #expect(pulled.status == 0, "\(pulled.errors)")
        #expect(try notes(priya) == 5)
    }
}
