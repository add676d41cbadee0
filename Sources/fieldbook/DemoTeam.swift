import Central
import CentralSQLite
import ClientSync
import Foundation
import Store
import SyncProtocol

/// The invented team `fieldbook demo` and `fieldbook admin seed-demo` create on a central peer: a supervisor,
/// three workers, twenty cases, and some history recorded on the workers' own (simulated) devices and
/// synced through the peer exactly as real devices would.
enum DemoTeam {
    static let supervisor = "priya.shah"
    static let workers = ["sam.okafor", "lee.ward", "ana.silva"]
    static let team = "north"

    private static let children = [
        ("Jayden Brooks", "2014-06-02", "CLA"), ("Amira Hassan", "2019-01-17", "CP"), ("Tyler Nowak", "2011-09-30", "CIN"),
        ("Grace Adeyemi", "2009-12-05", "PF"), ("Leo Marsh", "2016-04-21", "CLA"), ("Poppy Clarke", "2020-08-11", "CP"),
        ("Mason Reid", "2013-02-14", "CIN"), ("Isla Kowalski", "2017-07-03", "CLA"), ("Noah Begum", "2015-11-22", "CP"),
        ("Ruby Thompson", "2012-05-09", "CIN"), ("Kai Mensah", "2018-03-30", "CP"), ("Evie Walsh", "2010-10-10", "CLA"),
        ("Zain Ali", "2016-01-25", "CIN"), ("Lily Evans", "2019-09-14", "CP"), ("Oscar Grant", "2008-04-04", "PF"),
        ("Maya Singh", "2014-12-19", "CLA"), ("Harvey Cole", "2011-06-27", "CIN"), ("Sofia Rossi", "2017-02-08", "CP"),
        ("Theo Harris", "2013-08-16", "CLA"), ("Ava Murphy", "2020-01-05", "CIN"),
    ]
    private static let wishes = [
        "Said he likes his bedroom and wants to stay until the summer at least.",
        "Wants more time with her little brother; asked if contact can be on Saturdays.",
        "Did not want to talk about home today. Drew a picture of the family dog.",
        "Said school is 'alright' and that dinner is better here than before.",
        "Worried about mum; asked whether she is getting help.",
    ]
    private static let observations = [
        "Home warm and tidy, food in the cupboards. Child relaxed with carer.",
        "Bedroom has own posters and a new duvet. Child showed me their school work.",
        "Parent anxious at the start, calmer once the child was playing. No concerns about presentation.",
        "Kitchen had dirty dishes from several days; discussed with parent, who agreed a plan.",
    ]
    private static let notes = [
        "Phone call with the school: attendance 94% this half term, no incidents.",
        "Health visitor confirms the development check is booked for next week.",
        "Carer rang: contact went well, child came back happy.",
        "Strategy discussion held; agreed to continue with the current plan and review in four weeks.",
    ]

    /// Creates the team on `folder`'s central storage. Returns an enrolment code for each user.
    @discardableResult
    static func seed(folder: String) async throws -> [String: String] {
        let storage = try SQLiteCentralStorage(folder: folder, actor: "admin")
        let admin = CentralAdministration(storage: storage)
        guard try await storage.users().isEmpty else { throw CentralAdminError("\(folder) has users already; seed-demo needs an empty central peer") }
        var codes: [String: String] = [:]
        codes[supervisor] = try await admin.addUser(supervisor, role: .supervisor, team: team)
        for worker in workers { codes[worker] = try await admin.addUser(worker, role: .worker, team: team) }
        func day(_ offset: Int) -> String {
            Timestamp.day(Date().addingTimeInterval(Double(offset) * 86_400), in: .current)
        }
        for (index, child) in children.enumerated() {
            let id = "LA-\(1001 + index)"
            var values = [("child", child.0), ("dob", child.1), ("category", child.2)]
            values.append(child.2 == "CLA" ? ("placement_start", day(-30 - index * 9)) : ("plan_start", day(-20 - index * 5)))
            // Spread so that every worker has cases of most categories, sam.okafor (the demo's own user)
            // one of each.
            try await admin.addCase(id: id, values: values, worker: workers[(index + index / 3) % workers.count])
        }
        // Each worker's office laptop records some history and syncs it through the peer. Each record is
        // written as if on the afternoon of the day it happened (the laptop's clock set back), so the
        // demo's own history is on time and `late` shows only the one visit written up late on purpose;
        // the clock is back at now for every sync, so no clock is reported wrong.
        let transport = InProcessTransport(peer: admin.peer)
        let devices = (folder as NSString).appendingPathComponent("demo-devices")
        for (w, worker) in workers.enumerated() {
            let clock = DemoClock()
            let store = try CaseStore(path: (devices as NSString).appendingPathComponent("\(worker).sqlite"), author: worker,
                                      clock: { clock.now })
            let client = SyncClient(store: store, transport: transport)
            _ = try await client.enrol(serverURL: "in-process", code: try await admin.newCode(for: worker), deviceName: "\(worker) office laptop")
            _ = try await client.sync()
            var entries: [(when: Date, write: () throws -> Void)] = []
            for (c, caseID) in try store.caseIDs().enumerated() {
                let seed = w * 7 + c
                let visitDay = -(seed % 9) * 4 - 3
                // One of lee.ward's statutory visits is written up a week after it happened.
                let writtenLate = worker == workers[1] && c == 0
                entries.append((moment(daysAgo: -visitDay, hour: 10, minute: 30).addingTimeInterval(writtenLate ? 7 * 86_400 : 5 * 3_600), {
                    let visit = try store.addVisit(caseID: caseID, values: [
                        ("date", day(visitDay) + "T10:30"), ("type", "statutory"), ("seen", "yes"),
                        ("alone", seed % 4 == 0 ? "no" : "yes")] + (seed % 4 == 0 ? [("alone_reason", "refused")] : []) + [
                        ("bedroom", seed % 3 == 0 ? "no" : "yes"), ("location", "home"),
                        ("wishes", wishes[seed % wishes.count]), ("observations", observations[seed % observations.count]),
                    ])
                    if seed % 5 != 4 { try store.finalise(visit) }
                }))
                let noteDay = -(seed % 6) - 1
                entries.append((moment(daysAgo: -noteDay, hour: 14, minute: 0).addingTimeInterval(1_800), {
                    let note = try store.addNote(caseID: caseID, body: notes[seed % notes.count],
                                                 values: [("category", seed % 2 == 0 ? "phone" : "general"), ("date", day(noteDay) + "T14:00")])
                    if seed % 3 != 2 { try store.finalise(note) }
                }))
            }
            for entry in entries.sorted(by: { $0.when < $1.when }) {
                clock.set(min(entry.when, Date()))
                try entry.write()
            }
            clock.set(nil)
            _ = try await client.sync()
        }
        try await admin.assign(caseID: "LA-1005", to: workers[0], reason: "ana.silva's caseload rebalanced")
        return codes
    }

    /// `days` days before today, at `hour`:`minute` local time.
    private static func moment(daysAgo days: Int, hour: Int, minute: Int) -> Date {
        let calendar = Calendar.current
        let start = calendar.startOfDay(for: Date().addingTimeInterval(-Double(days) * 86_400))
        return calendar.date(bySettingHour: hour, minute: minute, second: 0, of: start) ?? start
    }
}

/// A demo laptop's wall clock: set back while the demo writes its history, the real time otherwise.
private final class DemoClock: @unchecked Sendable {
    private let lock = NSLock()
    private var fixed: Date?

    var now: Date { lock.withLock { fixed ?? Date() } }
    func set(_ date: Date?) { lock.withLock { fixed = date } }
}
