import Foundation
import GRDB
import Testing

/// The user's path through the real binary: a script piped in, then the SQLite file read back.
@Suite struct PipedScriptTests {
    let binary: FieldbookBinary
    let scratch: Scratch
    let store: String

    init() throws {
        binary = try FieldbookBinary()
        scratch = try Scratch()
        store = scratch.path("worker/store.sqlite")
    }

    private func read<T>(_ body: (Database) throws -> T) throws -> T {
        var configuration = Configuration()
        configuration.readonly = true
        return try DatabaseQueue(path: store, configuration: configuration).read(body)
    }

    private static let script = """
        # a worker's afternoon
        case add LA-1042 child="Jay Brooks" dob=2015-03-09 category=CLA placement_start=2026-10-01
        visit LA-1042 date=2026-11-19T15:30 type=statutory seen=yes alone=yes bedroom=yes wishes="wants more time with his sister"
        note LA-1042 category=phone Carer rang: Jay's school trip went well.
        """

    @Test func aPipedScriptRecordsIntoTheStoreFile() throws {
        let result = try binary.run(["--store", store, "--user", "sam.okafor"], input: Self.script)
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.errors == "")
        let noteID = try #require(result.lines.last)
        let visitID = try #require(result.lines.dropLast(2).last)
        #expect(UUID(uuidString: visitID) != nil && UUID(uuidString: noteID) != nil)

        let visit = try read { db in try Row.fetchOne(db, sql: "SELECT * FROM visits WHERE id = ?", arguments: [visitID]) }
        #expect(visit?["case_id"] == "LA-1042")
        #expect(visit?["occurred_at"] == "2026-11-19T15:30:00Z")
        #expect(visit?["author"] == "sam.okafor")
        #expect(visit?["seen_alone"] == 1)
        #expect(visit?["bedroom_seen"] == 1)
        #expect(visit?["wishes"] == "wants more time with his sister")
        #expect(visit?["status"] == "draft")
        let note = try read { db in try Row.fetchOne(db, sql: "SELECT body, category FROM notes WHERE id = ?", arguments: [noteID]) }
        #expect(note?["body"] == "Carer rang: Jay's school trip went well.")
        #expect(note?["category"] == "phone")
        let chain = try read { db in try Row.fetchAll(db, sql: "SELECT seq, author, prev_hash, hash FROM change_log ORDER BY seq") }
        #expect(chain.map { $0["seq"] as Int64 } == [1, 2, 3])
        #expect(chain.allSatisfy { $0["author"] == "sam.okafor" })
        #expect(chain[1]["prev_hash"] as String == chain[0]["hash"] as String)
        #expect(try read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") } == "wal")
    }

    @Test func aFailingCommandStopsTheScriptExitsNonZeroAndStoresNothing() throws {
        let script = Self.script + "\nvisit LA-1042 date=2026-11-31 type=statutory\nnote LA-1042 not reached\n"
        let result = try binary.run(["--store", store, "--user", "sam.okafor"], input: script)
        #expect(result.status == 1)
        #expect(result.errors == "error: line 5: date=2026-11-31 is not valid: expected a date YYYY-MM-DD or date and time YYYY-MM-DDTHH:MM, not in the future\n")
        #expect(try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM change_log") } == 3)

        let keepGoing = try binary.run(["--store", scratch.path("other.sqlite"), "--user", "sam.okafor", "--keep-going"], input: script)
        #expect(keepGoing.status == 1)
        #expect(keepGoing.output.contains("recorded note on LA-1042"))
    }

    /// Issue 12: an address where nothing listens is said in plain words, at once, not as a socket error.
    @Test func aPeerThatIsNotRunningIsSaidPlainly() throws {
        // A port just bound and closed again: nothing listens there.
        let probe = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(probe, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(probe, $0, &length) } }
        close(probe)
        let url = "http://127.0.0.1:\(UInt16(bigEndian: address.sin_port))"
        let result = try binary.run(["--store", store, "-c", "enrol \(url) AAAA-BBBB-CCCC"])
        #expect(result.status == 1)
        #expect(result.errors.contains("nothing answers at \(url): the central peer is not running there, or the address is wrong"), "\(result.errors)")
        #expect(!result.errors.contains("errno"))
    }

    @Test func commandsGivenWithDashCRunInOrder() throws {
        let result = try binary.run(["--store", store, "--user", "priya.shah",
                                     "-c", "case add LA-7 child=Ann dob=2012-01-01 category=CP", "-c", ".mode csv", "-c", "cases"])
        #expect(result.status == 0)
        #expect(result.output.contains("LA-7,Ann,CP,priya.shah,,,,0,0,0"), "no plan start: no deadline yet")
        let failing = try binary.run(["--store", store, "-c", "nonsense", "-c", "cases"])
        #expect(failing.status == 1)
        #expect(failing.output == "")
    }

    @Test func storeAndUserComeFromTheEnvironmentThenTheHomeFolder() throws {
        let fromEnvironment = try binary.run(["-c", "case add LA-8 child=Bo dob=2012-01-01 category=PF"],
                                             environment: ["FIELDBOOK_STORE": store, "FIELDBOOK_USER": "lee.ward"])
        #expect(fromEnvironment.status == 0)
        #expect(try read { db in try String.fetchOne(db, sql: "SELECT author FROM changes") } == "lee.ward")

        let home = scratch.path("home")
        let fromHome = try binary.run(["--user", "lee.ward", "-c", "case add LA-9 child=Cy dob=2012-01-01 category=CIN"],
                                      environment: ["HOME": home])
        #expect(fromHome.status == 0, "\(fromHome.errors)")
        #expect(FileManager.default.fileExists(atPath: home + "/.fieldbook/store.sqlite"))
    }

    @Test func verifyThroughTheBinaryCatchesAnEditMadeWithAnotherTool() throws {
        let first = try binary.run(["--store", store, "--user", "sam.okafor"], input: Self.script + "\nverify\n")
        #expect(first.output.contains("verified 3 changes on 1 device chain, 3 records: intact"))
        let queue = try DatabaseQueue(path: store)
        try queue.write { db in
            try db.execute(sql: "UPDATE record SET fields = json_set(fields, '$.wishes', 'happy') WHERE type = 'visit'")
        }
        let second = try binary.run(["--store", store, "--user", "sam.okafor", "-c", "verify"])
        #expect(second.status == 1)
        #expect(second.output.contains("verify FAILED on 3 changes on 1 device chain, 3 records: 1 problem"))
        #expect(second.output.contains("stored fields differ from a replay of its 1 change(s)"))
    }

    @Test func theDemoOpensOnASeededStore() throws {
        let demo = scratch.path("demo/store.sqlite")
        let result = try binary.run(["demo", "--store", demo, "--data", scratch.path("demo/central")],
                                    input: "status\ncases\nverify\n.mode csv\nlate\nsql SELECT DISTINCT category FROM cases ORDER BY 1\n"
                                        + "sql SELECT count(*) AS skews FROM clock_skews\n")
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.errors.contains("Demo store:        \(demo)"))
        #expect(result.errors.contains("first sync: pushed 0, pulled 38, conflicts 0, rejected 0"))
        // Issue 12, defect 8: the demo's worker has a case of every category, and the demo's own history
        // was written on time (no late recordings of sam's, no clock reported wrong).
        #expect(result.output.contains("category\r\nCIN\r\nCLA\r\nCP\r\nPF\r\n"), "\(result.output)")
        #expect(result.output.contains("case,record,author,happened,recorded,due_by,working_days_late,id\r\ncategory\r\n"), "late is empty")
        #expect(result.output.contains("skews\r\n0\r\n"))
        #expect(result.output.contains("user:      sam.okafor (worker, team north)"))
        #expect(result.output.contains("(8 rows)"), "sam's seven cases and one reallocated to him")
        #expect(result.output.contains("on 3 device chains, 24 records: intact"))
        let again = try binary.run(["demo", "--store", demo], input: "")
        #expect(again.status != 0)
        #expect(again.errors.contains("already exists"))
    }

    @Test func helpTeachesTheOptions() throws {
        let result = try binary.run(["--help"])
        #expect(result.status == 0)
        #expect(result.output.contains("--store"))
        #expect(result.output.contains("demo"))
        let badUser = try binary.run(["--store", store, "--user", "two words", "-c", "cases"])
        #expect(badUser.status != 0)
        #expect(badUser.errors.contains("is not a usable user name"))
    }
}
