import Foundation
import Testing

/// `fieldbook admin rules` on the central peer, received by a device's `sync` and used by `cases`, through
/// the real binaries.
@Suite struct CouncilRulesTests {
    @Test func rulesSetByTheAdministratorReachTheDeviceAndChangeItsDeadlines() throws {
        let binary = try FieldbookBinary()
        let scratch = try Scratch()
        let data = scratch.path("central")
        let store = scratch.path("sam.sqlite")
        func admin(_ arguments: [String]) throws -> FieldbookBinary.Result {
            try binary.run(["admin", "--data", data] + arguments)
        }
        let added = try admin(["user", "add", "sam", "--role", "worker", "--team", "north"])
        let code = String(added.output.split(whereSeparator: \.isWhitespace).last ?? "")
        // A CIN plan starting Monday 2026-01-05: 6 weeks by default, so due 2026-02-16.
        #expect(try admin(["case", "add", "CIN-1", "--child", "Ann Lee", "--dob", "2014-01-01", "--category", "CIN",
                           "--plan-start", "2026-01-05", "--worker", "sam"]).status == 0)
        // A CP plan starting Friday 2030-12-20: 10 working days skip Christmas, Boxing Day and weekends.
        // 2031-01-01 is beyond the shipped list, so it counts as a working day until the administrator adds it.
        #expect(try admin(["case", "add", "CP-1", "--child", "Bo Lee", "--dob", "2016-01-01", "--category", "CP",
                           "--plan-start", "2030-12-20", "--worker", "sam"]).status == 0)

        let before = try binary.run(["--store", store, "--user", "sam", "-c", "rules", "-c", ".mode csv", "-c", "rules", "-c", "cases"])
        #expect(before.output.contains("council rules: the shipped defaults"))
        #expect(before.output.contains("rule,value,default,meaning\r\ncla.first-visit-days,7,7,"), "csv gives the table alone")
        #expect(before.output.contains("cin.weeks,6,6,"))

        let set = try admin(["rules", "set", "cin.weeks", "4"])
        #expect(set.status == 0, "\(set.errors)")
        #expect(set.output.contains("cin.weeks is now 4 (rules version 1)"))
        #expect(try admin(["rules", "holiday", "add", "2031-01-01"]).output.contains("rules version 2"))
        let outOfRange = try admin(["rules", "set", "cin.weeks", "99"])
        #expect(outOfRange.status != 0 && outOfRange.errors.contains("cin.weeks must be between 1 and 52, not 99"))
        let unknown = try admin(["rules", "set", "cin.weekz", "4"])
        #expect(unknown.status != 0 && unknown.errors.contains("no rule cin.weekz; the rules are: cla.first-visit-days"))
        let badDay = try admin(["rules", "holiday", "add", "2031-02-30"])
        #expect(badDay.status != 0 && badDay.errors.contains("is not a date"))
        let history = try admin(["rules", "history"])
        #expect(history.lines.count == 2 && history.output.contains("cin.weeks 6 → 4") && history.output.contains("bank holiday 2031-01-01 added"))
        #expect(try admin(["rules", "show"]).output.contains("cin.weeks                    4    (default 6)   1–52   Child in need"))

        let server = try RunningServer(binary: binary, data: data)
        defer { server.stop() }
        let first = try binary.run(["--store", store, "--user", "sam", "-c", "enrol \(server.url) \(code)", "-c", "sync",
                                    "-c", "rules", "-c", ".mode csv", "-c", "rules", "-c", "cases"])
        #expect(first.status == 0, "\(first.errors)")
        #expect(first.output.contains("council rules updated to version 2"))
        #expect(first.output.contains("council rules: version 2, received from the central peer"))
        #expect(first.output.contains("cin.weeks,4,6,"))
        let cin = try #require(first.lines.first { $0.hasPrefix("CIN-1,") })
        #expect(cin.contains(",2026-02-02,"), "4 weeks after 2026-01-05: \(cin)")
        let cp = try #require(first.lines.first { $0.hasPrefix("CP-1,") })
        #expect(cp.contains(",2031-01-08,"), "2031-01-01 is now a bank holiday: \(cp)")

        let again = try binary.run(["--store", store, "-c", "sync"])
        #expect(again.status == 0 && !again.output.contains("council rules updated"), "rules are sent only when newer")
    }
}
