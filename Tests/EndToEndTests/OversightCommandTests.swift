import Foundation
import Testing

/// `cases`, `due` and `overdue` through the real binary, with dates relative to today.
@Suite struct OversightCommandTests {
    @Test func overdueAndDueListTheRightCases() throws {
        let binary = try FieldbookBinary()
        let scratch = try Scratch()
        func day(_ offset: Int) -> String {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
            let date = Date().addingTimeInterval(Double(offset) * 86_400)
            let c = calendar.dateComponents([.year, .month, .day], from: date)
            return String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
        }
        let script = """
            case add LATE child=Late dob=2012-01-01 category=CIN plan_start=\(day(-120))
            visit LATE date=\(day(-60)) type=statutory seen=yes alone=yes
            case add SOON child=Soon dob=2012-01-01 category=CIN plan_start=\(day(-40))
            case add FAR child=Far dob=2012-01-01 category=CIN plan_start=\(day(-1))
            .mode csv
            overdue
            due --within 7
            cases
            team
            not-seen-alone --visits 1
            late
            """
        let result = try binary.run(["--store", scratch.path("s.sqlite"), "--user", "sam"], input: script)
        #expect(result.status == 0, "\(result.errors)")
        let lines = result.lines
        let overdueStart = try #require(lines.firstIndex { $0.hasPrefix("case,child,category,worker,due,days_overdue") })
        #expect(lines[overdueStart + 1].hasPrefix("LATE,Late,CIN,sam,\(day(-18)),18,\(day(-60)),every 6 weeks"))
        let dueStart = try #require(lines.firstIndex { $0.hasPrefix("case,child,category,due,days_left") })
        #expect(lines[dueStart + 1].hasPrefix("LATE,"))
        #expect(lines[dueStart + 2].hasPrefix("SOON,Soon,CIN,\(day(2)),2,"))
        #expect(!result.output.contains("FAR,Far,CIN,\(day(41)),41"))
        let casesStart = try #require(lines.firstIndex { $0.hasPrefix("case,child,category,worker,last_visit") })
        #expect(lines[(casesStart + 1)...].prefix(3).map { String($0.prefix(4)) } == ["LATE", "SOON", "FAR,"])
        #expect(result.output.contains("worker,cases,overdue,drafts,late,conflicts\r\nsam,3,1,1,1,0\r\n"))
        #expect(result.output.contains("case,child,worker,last_visits_not_alone,last_seen_alone\r\n") && !result.output.contains("LATE,Late,sam,\(day(-60))"),
                "the child was seen alone on the last visit")
        #expect(result.output.contains("LATE,visit (statutory),sam,\(day(-60)),\(day(0)),"))
        let bad = try binary.run(["--store", scratch.path("s.sqlite"), "-c", "due --within lots"])
        #expect(bad.errors.contains("--within takes a number of days"))
    }
}
