import Foundation
internal import GRDB

/// One case as the worker planning their week sees it.
public struct CaseloadEntry: Sendable, Equatable {
    public let caseID: String
    public let childName: String
    public let category: String
    public let worker: String
    /// The latest visit that was not deleted, and the latest where the child was seen alone.
    public let lastVisit: CivilDate?
    public let lastSeenAlone: CivilDate?
    /// `nil` when the case has no start date to count from.
    public let deadline: VisitDeadline?
    public let drafts: Int
    public let conflicts: Int

    public func daysOverdue(on today: CivilDate) -> Int { deadline?.daysOverdue(on: today) ?? 0 }
}

extension CaseStore {
    /// Today, in the store's time zone.
    public var today: CivilDate {
        CivilDate(Timestamp.day(clock(), in: timeZone)) ?? CivilDate(dayNumber: 0)
    }

    /// Every case with its next statutory visit, most urgent first: the most days overdue, then the
    /// soonest due, then cases without a deadline.
    ///
    /// Only visits where the child was seen count towards a statutory visit; deleted visits never count.
    ///
    /// - Parameter rules: the rules to count with; by default those in force on this device
    ///   (``councilRules()``).
    public func caseload(rules: VisitRules? = nil) throws -> [CaseloadEntry] {
        let rules = try rules ?? councilRules().visits
        let entries = try pool.read { db -> [CaseloadEntry] in
            let cases = try Row.fetchAll(db, sql: "SELECT * FROM cases ORDER BY case_id")
            var visitsByCase: [String: [(date: CivilDate, seen: Bool, alone: Bool)]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT case_id, occurred_at, seen, seen_alone FROM visits WHERE status != 'deleted'") {
                guard let date = (row["occurred_at"] as String?).flatMap({ CivilDate(localDay(of: $0)) }) else { continue }
                visitsByCase[row["case_id"], default: []].append((date, (row["seen"] as Int?) == 1, (row["seen_alone"] as Int?) == 1))
            }
            var drafts: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT case_id, count(*) AS n FROM record WHERE status = 'draft' GROUP BY case_id") {
                drafts[row["case_id"]] = row["n"]
            }
            var conflicts: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT case_id, count(*) AS n FROM conflicts GROUP BY case_id") {
                conflicts[row["case_id"]] = row["n"]
            }
            return cases.map { row in
                let caseID: String = row["case_id"]
                let category: String = row["category"] ?? ""
                let visits = visitsByCase[caseID] ?? []
                let startText: String? = category == "CLA" ? row["placement_start"] : row["plan_start"]
                let deadline = VisitDeadline.next(
                    category: category, start: startText.flatMap(CivilDate.init),
                    longTerm: (row["long_term"] as Int?) == 1,
                    seenVisits: visits.filter(\.seen).map(\.date), rules: rules)
                return CaseloadEntry(
                    caseID: caseID, childName: row["child_name"] ?? "", category: category, worker: row["worker"] ?? "",
                    lastVisit: visits.map(\.date).max(), lastSeenAlone: visits.filter(\.alone).map(\.date).max(),
                    deadline: deadline, drafts: drafts[caseID] ?? 0, conflicts: conflicts[caseID] ?? 0)
            }
        }
        return entries.sorted { a, b in
            switch (a.deadline, b.deadline) {
            case (nil, nil): return a.caseID < b.caseID
            case (nil, _): return false
            case (_, nil): return true
            case (let x?, let y?): return (x.due, a.caseID) < (y.due, b.caseID)
            }
        }
    }
}
