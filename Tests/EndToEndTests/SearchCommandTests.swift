import Foundation
import GRDB
import Testing

/// `search`, `drafts` and `last` through the real binary, a script piped in as a worker would.
@Suite struct SearchCommandTests {
    @Test func aScriptSearchesFinishesItsDraftsAndVerifies() throws {
        let binary = try FieldbookBinary()
        let scratch = try Scratch()
        let store = scratch.path("store.sqlite")
        let script = """
            case add LA-1042 child="Jay Brooks" dob=2015-03-09 category=CLA placement_start=2026-10-01
            visit LA-1042 date=2026-11-19T15:30 type=planned seen=yes alone=yes wishes="wants more time with his sister"
            note LA-1042 category=phone Carer rang: Jay's sister is visiting on Saturday.
            search sisters
            drafts
            finalise last
            edit 01 nothing=here
            """
        let first = try binary.run(["--store", store, "--user", "sam.okafor", "--keep-going"], input: script)
        let ids = first.lines.filter { UUID(uuidString: $0) != nil }
        #expect(ids.count == 2)
        let (visit, note) = (ids[0], ids[1])
        #expect(first.output.contains("""
            LA-1042  visit  2026-11-19  draft  sam.okafor  \(visit)
                wishes: wants more time with his [sister]
            """))
        #expect(first.output.contains("    body: Carer rang: Jay's [sister] is visiting on Saturday.\n(2 records, best match first)\n"))
        #expect(first.output.contains("case     child       record  occurred"))
        #expect(first.output.contains("last: note \(note) on LA-1042, created in this session\nfinalised \(note)"))
        #expect(first.errors.contains("'01' is too short to name a record"), "other references are resolved as before")

        // A later run: json, the visit still a draft, the note final; the file verifies, index included.
        let second = try binary.run(["--store", store, "--user", "sam.okafor", "-c", ".mode json", "-c", "drafts",
                                     "-c", "search saturday --case LA-1042", "-c", "verify"])
        #expect(second.status == 0, "\(second.errors)")
        #expect(second.output.contains(#""record":"visit","occurred":"2026-11-19T15:30:00Z","age_days":0,"summary":"planned, seen alone","id":"\#(visit)"}]"#))
        #expect(second.output.contains(#""status":"final","author":"sam.okafor","id":"\#(note)","field":"body","snippet":"Carer rang: Jay's sister is visiting on [Saturday]."}]"#))
        #expect(second.output.contains("intact"))

        // The index is in the file, beside the records, as migration v9 made it.
        let rows = try DatabaseQueue(path: store).read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM search_text") }
        #expect(rows == 2)
    }
}
