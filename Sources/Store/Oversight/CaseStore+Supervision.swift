import Foundation
internal import GRDB

extension CaseStore {
    /// Visits and notes written later than the recording standard (occurrence and recording dates are
    /// compared in this store's time zone, in working days). Deleted records are left out.
    public func lateRecordings(standards: RecordingStandards? = nil) throws -> [LateRecording] {
        let standards = try standards ?? councilRules().recording
        let rows = try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT id, case_id, type, created_by, created_at, json_extract(fields, '$.occurred_at') AS occurred_at,
                       json_extract(fields, '$.type') AS visit_type
                FROM record WHERE type IN ('visit', 'note') AND status != 'deleted' ORDER BY case_id, id
                """)
        }
        return rows.compactMap { row in
            guard let occurredText: String = row["occurred_at"], let createdText: String = row["created_at"],
                  let occurred = CivilDate(localDay(of: occurredText)),
                  let recorded = CivilDate(localDay(of: createdText)),
                  let type = RecordType(rawValue: row["type"])
            else { return nil }
            let visitType: String? = row["visit_type"]
            let allowed = type == .visit && visitType == "statutory" ? standards.statutoryVisitWorkingDays : standards.otherWorkingDays
            let deadline = standards.calendar.adding(workingDays: allowed, to: occurred)
            guard recorded > deadline else { return nil }
            var late = 0
            var day = deadline
            while day < recorded {
                day = day.adding(days: 1)
                if standards.calendar.isWorkingDay(day) { late += 1 }
            }
            return LateRecording(recordID: row["id"], caseID: row["case_id"], type: type, visitType: visitType,
                                 author: row["created_by"] ?? "", occurred: occurred, recorded: recorded, deadline: deadline,
                                 workingDaysLate: max(late, 1))
        }
    }

    /// The local calendar day of a stored date or UTC instant (a date alone is already a calendar day).
    func localDay(of stored: String) -> String {
        guard stored.count > 10 else { return stored }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = stored.contains(".") ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
        guard let date = formatter.date(from: stored) else { return String(stored.prefix(10)) }
        return Timestamp.day(date, in: timeZone)
    }

    /// Children not seen alone on any of their last `visits` visits where they were seen.
    public func notSeenAlone(visits count: Int) throws -> [NotSeenAlone] {
        try pool.read { db in
            let cases = try Row.fetchAll(db, sql: "SELECT case_id, child_name, worker FROM cases ORDER BY case_id")
            return try cases.compactMap { row -> NotSeenAlone? in
                let caseID: String = row["case_id"]
                let visits = try Row.fetchAll(db, sql: """
                    SELECT occurred_at, seen_alone, alone_reason FROM visits
                    WHERE case_id = ? AND status != 'deleted' AND seen = 1 ORDER BY occurred_at DESC
                    """, arguments: [caseID])
                let recent = visits.prefix(count)
                guard recent.count == count, recent.allSatisfy({ ($0["seen_alone"] as Int?) != 1 }) else { return nil }
                let lastAlone = visits.first { ($0["seen_alone"] as Int?) == 1 }.flatMap { ($0["occurred_at"] as String?).flatMap { CivilDate(localDay(of: $0)) } }
                return NotSeenAlone(
                    caseID: caseID, childName: row["child_name"] ?? "", worker: row["worker"] ?? "",
                    visits: recent.compactMap { visit in
                        (visit["occurred_at"] as String?).flatMap { CivilDate(localDay(of: $0)) }.map { ($0, visit["alone_reason"] as String?) }
                    },
                    lastSeenAlone: lastAlone)
            }
        }
    }

    /// One line per allocated worker: cases, overdue visits, drafts, late recordings, conflicted fields.
    public func teamSummary(rules: VisitRules? = nil, standards: RecordingStandards? = nil) throws -> [WorkerSummary] {
        let caseload = try caseload(rules: rules)
        let today = self.today
        let late = try lateRecordings(standards: standards)
        var summaries: [String: (cases: Int, overdue: Int, drafts: Int, late: Int, conflicts: Int)] = [:]
        for entry in caseload {
            var summary = summaries[entry.worker, default: (0, 0, 0, 0, 0)]
            summary.cases += 1
            if entry.daysOverdue(on: today) > 0 { summary.overdue += 1 }
            summary.drafts += entry.drafts
            summary.conflicts += entry.conflicts
            summaries[entry.worker] = summary
        }
        // Late recordings count against whoever wrote them.
        for record in late {
            summaries[record.author, default: (0, 0, 0, 0, 0)].late += 1
        }
        return summaries.keys.sorted().map { worker in
            let s = summaries[worker] ?? (0, 0, 0, 0, 0)
            return WorkerSummary(worker: worker, cases: s.cases, overdue: s.overdue, drafts: s.drafts, late: s.late, conflicts: s.conflicts)
        }
    }
}
