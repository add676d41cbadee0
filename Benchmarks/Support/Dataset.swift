import Foundation
import Store

/// The deterministic caseloads the sync workloads run on: `workers` workers in one team, each with
/// `casesPerWorker` cases of `recordsPerCase` final records (40% visits, 60% case notes), recorded on each
/// worker's own device through the Store and pushed to the peer over HTTP.
struct Dataset {
    let workers: [String]
    let supervisor = "sup.bench"
    let casesPerWorker: Int
    let recordsPerCase: Int

    var recordsPerWorker: Int { casesPerWorker * recordsPerCase }

    init(workers: Int, casesPerWorker: Int, recordsPerCase: Int) {
        self.workers = (1...workers).map { String(format: "worker%02d", $0) }
        self.casesPerWorker = casesPerWorker
        self.recordsPerCase = recordsPerCase
    }

    func cases(of worker: String) -> [String] {
        (1...casesPerWorker).map { "\(worker.replacingOccurrences(of: "worker", with: "C"))-\(String(format: "%03d", $0))" }
    }

    /// Adds the team and its cases to the peer, records every caseload and pushes it.
    func load(into peer: BenchPeer, folder: ScratchFolder, log: (String) -> Void) async throws {
        _ = try await peer.admin.addUser(supervisor, role: .supervisor, team: "bench")
        for (index, worker) in workers.enumerated() {
            _ = try await peer.admin.addUser(worker, role: .worker, team: "bench")
            for caseID in cases(of: worker) {
                try await peer.admin.addCase(id: caseID, values: [("child", "Child \(caseID)"), ("dob", "2014-05-01"), ("category", "CIN"),
                                                            ("plan_start", "2025-01-06")], worker: worker)
            }
            let device = try await peer.device(worker, path: folder.path("\(worker)-source.sqlite"), durability: .normal)
            try await device.sync()
            var prose = Prose(seed: UInt64(index + 1))
            let start = Date()
            for caseID in cases(of: worker) {
                for n in 0..<recordsPerCase {
                    try Self.record(on: device.store, caseID: caseID, number: n, prose: &prose)
                }
            }
            let recorded = Date().timeIntervalSince(start)
            try await device.sync()
            log("loaded \(worker): \(recordsPerWorker) records recorded in \(String(format: "%.1f", recorded)) s and pushed")
        }
    }

    /// One final record: a visit (two in five) or a case note, with prose of realistic length.
    static func record(on store: CaseStore, caseID: String, number: Int, prose: inout Prose) throws {
        let day = String(format: "2025-%02d-%02d", 1 + number % 12, 1 + number % 28)
        let id: String
        if number % 5 < 2 {
            let statutory = number % 5 == 0
            var values: [(key: String, value: String)] = [
                ("date", day), ("type", statutory ? "statutory" : prose.pick(["planned", "unannounced", "review"])),
                ("seen", "yes"), ("alone", number % 3 == 0 ? "no" : "yes"), ("bedroom", "yes"),
                ("location", prose.pick(["foster home", "school", "family home", "contact centre"])),
                ("present", prose.pick(["foster carer", "mother", "teacher", "none"])),
                ("wishes", prose.text(length: 150 + prose.number(below: 300))),
                ("observations", prose.text(length: 500 + prose.number(below: 1200))),
                ("analysis", prose.text(length: 200 + prose.number(below: 600))),
                ("actions", prose.text(length: 80 + prose.number(below: 250))),
            ]
            if number % 3 == 0 { values.append(("alone_reason", "refused")) }
            id = try store.addVisit(caseID: caseID, values: values)
        } else {
            id = try store.addNote(caseID: caseID, body: prose.text(length: 150 + prose.number(below: 900)),
                                   values: [("category", prose.pick(["phone", "meeting", "email", "general"])), ("date", day)])
        }
        try store.finalise(id)
    }
}
