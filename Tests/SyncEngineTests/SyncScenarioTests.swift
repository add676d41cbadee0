import Central
import CentralSQLite
import ClientSync
import Foundation
import GRDB
import Store
import SyncProtocol
import Testing

/// The end-to-end scenarios, with a real central peer on 127.0.0.1 and real store files.
@Suite(.serialized) struct SyncScenarioTests {
    @Test func concurrentEditsBecomeAConflictThatTheSupervisorResolves() async throws {
        let (central, folder) = try await TestCentral.withTeam(cases: ["LA-1": "sam"])
        defer { Task { await central.stop() } }
        let sam = try await central.device("sam", in: folder)
        let priya = try await central.device("priya", in: folder)
        try await sam.sync()
        let visit = try sam.store.addVisit(caseID: "LA-1", values: [("date", "2026-11-19"), ("type", "statutory"), ("wishes", "first words")])
        #expect(try await sam.sync().line == "pushed 1, pulled 0, conflicts 0, rejected 0")
        try await priya.sync()
        #expect(try priya.store.snapshot(visit).state.value("wishes") == "first words")

        // Apart: both change the same field.
        _ = try sam.store.edit(visit, values: [("wishes", "sam's version")])
        _ = try priya.store.edit(visit, values: [("wishes", "priya's version")])
        try await sam.sync()
        let priyaSummary = try await priya.sync()
        try await sam.sync()
        #expect(priyaSummary.conflicts == 1)
        for device in [sam, priya] {
            let state = try device.store.snapshot(visit).state
            #expect(state.conflictedFields == ["wishes"])
            #expect(Set(state.fields["wishes"]?.current.map(\.value) ?? []) == ["sam's version", "priya's version"])
            let conflicts = try device.store.conflicts()
            #expect(conflicts.count == 1)
            #expect(Set(conflicts.first?.versions.map(\.author) ?? []) == ["sam", "priya"])
        }
        #expect(try sam.store.snapshot(visit).state.value("wishes") == priya.store.snapshot(visit).state.value("wishes"))

        let resolutionChoice = try priya.store.conflicts()[0].versions.firstIndex { $0.author == "sam" }.map { $0 + 1 } ?? 1
        try priya.store.resolve(visit, key: "wishes", with: .keep(resolutionChoice))
        try await priya.sync()
        try await sam.sync()
        for device in [sam, priya] {
            let state = try device.store.snapshot(visit).state
            #expect(state.value("wishes") == "sam's version")
            #expect(state.conflictedFields.isEmpty)
            let history = try device.store.history(visit)
            let written = history.flatMap { $0.writes.filter { $0.field == "wishes" }.compactMap(\.value) }
            #expect(written == ["first words", "sam's version", "priya's version", "sam's version"] ||
                    written == ["first words", "priya's version", "sam's version", "sam's version"])
            #expect(history.last?.kind == .resolve && history.last?.author == "priya")
            #expect(try device.store.verify().isIntact)
        }
        #expect(try central.replica.snapshot(visit).state.value("wishes") == "sam's version")
    }

    @Test func onlyASupervisorResolvesAConflictOnAFinalRecordAndNothingIsReopened() async throws {
        let (central, folder) = try await TestCentral.withTeam(cases: ["LA-7": "sam"])
        defer { Task { await central.stop() } }
        let sam = try await central.device("sam", in: folder)
        let priya = try await central.device("priya", in: folder)
        try await sam.sync()
        let visit = try sam.store.addVisit(caseID: "LA-7", values: [("date", "2026-11-19"), ("type", "statutory"), ("seen", "yes"),
                                                                    ("alone", "yes"), ("wishes", "before")])
        try await sam.sync()
        try await priya.sync()
        try sam.store.finalise(visit)
        _ = try priya.store.edit(visit, values: [("wishes", "raced the finalisation")])
        // The edit reaches the peer first (the record is a draft there), then the finalisation that never saw it.
        try await priya.sync()
        try await sam.sync()
        try await priya.sync()
        let state = try sam.store.snapshot(visit).state
        #expect(state.status == .final)
        #expect(state.conflictedFields == ["wishes"])
        #expect(state.value("wishes") == "before", "the finalised value stays shown")
        #expect(throws: StoreError.self) { try sam.store.resolve(visit, key: "wishes", with: .keep(2)) }
        #expect(throws: StoreError.self) { try priya.store.resolve(visit, key: "status", with: .value("draft")) }
        // A final record's content changes by amendment alone: the late value is not taken by resolving.
        #expect { try priya.store.resolve(visit, key: "wishes", with: .keep(2)) } throws: { error in
            "\(error)".contains("amend the record")
        }
        try priya.store.resolve(visit, key: "wishes", with: .keep(1))
        try await priya.sync()
        try await sam.sync()
        #expect(try sam.store.snapshot(visit).state.conflictedFields.isEmpty)
        #expect(try sam.store.snapshot(visit).state.value("wishes") == "before")
    }

    @Test func supervisorsOversightReachesTheWorkerAndAWorkersIsQuarantined() async throws {
        let (central, folder) = try await TestCentral.withTeam(cases: ["LA-8": "sam"])
        defer { Task { await central.stop() } }
        let sam = try await central.device("sam", in: folder)
        let priya = try await central.device("priya", in: folder)
        try await sam.sync()
        try await priya.sync()
        let entry = try priya.store.addOversight(caseID: "LA-8", body: "Agreed plan: weekly visits until review.")
        try await priya.sync()
        try await sam.sync()
        #expect(try sam.store.snapshot(entry).state.value("body") == "Agreed plan: weekly visits until review.")
        // A worker's device refuses; a store that is not enrolled as a worker could still forge one: the peer refuses it.
        #expect(throws: StoreError.self) { _ = try sam.store.addOversight(caseID: "LA-8", body: "x") }
        try await sam.store.database.write { db in try db.execute(sql: "UPDATE store_meta SET value = 'supervisor' WHERE key = 'sync.role'") }
        _ = try sam.store.addOversight(caseID: "LA-8", body: "forged")
        #expect(try await sam.sync().rejected == 1)
        #expect(try await central.admin.storage.quarantine(state: .held).first?.reason == "management oversight is recorded by a supervisor")
    }

    @Test func concurrentEditsOfDifferentFieldsMergeWithoutConflict() async throws {
        let (central, folder) = try await TestCentral.withTeam(cases: ["LA-2": "sam"])
        defer { Task { await central.stop() } }
        let sam = try await central.device("sam", in: folder)
        let priya = try await central.device("priya", in: folder)
        try await sam.sync()
        let visit = try sam.store.addVisit(caseID: "LA-2", values: [("date", "2026-11-19"), ("type", "statutory")])
        try await sam.sync()
        try await priya.sync()
        _ = try sam.store.edit(visit, values: [("wishes", "wants to stay")])
        _ = try priya.store.edit(visit, values: [("observations", "calm and settled")])
        try await sam.sync()
        try await priya.sync()
        try await sam.sync()
        for device in [sam, priya] {
            let state = try device.store.snapshot(visit).state
            #expect(state.conflictedFields.isEmpty)
            #expect(state.value("wishes") == "wants to stay")
            #expect(state.value("observations") == "calm and settled")
        }
    }

    @Test func aReassignedCaseKeepsTheOldWorkersVisitThenLeavesTheirDevice() async throws {
        let (central, folder) = try await TestCentral.withTeam(cases: ["LA-3": "sam"])
        defer { Task { await central.stop() } }
        let sam = try await central.device("sam", in: folder)
        let lee = try await central.device("lee", in: folder)
        try await sam.sync()
        try await lee.sync()
        #expect(try lee.store.caseIDs().isEmpty)

        // Sam records a visit offline; meanwhile the case is reallocated to Lee.
        let visit = try sam.store.addVisit(caseID: "LA-3", values: [("date", "2026-11-19"), ("type", "statutory"), ("wishes", "recorded offline")])
        try await Task.sleep(for: .milliseconds(5))
        try await central.admin.assign(caseID: "LA-3", to: "lee", reason: "sam on leave")
        // And one more note after the reallocation: it is no longer Sam's case to write to.
        try await Task.sleep(for: .milliseconds(5))
        let lateNote = try sam.store.addNote(caseID: "LA-3", body: "written after the case moved")

        let summary = try await sam.sync()
        #expect(summary.pushed == 2)
        #expect(summary.rejected == 1)
        #expect(summary.purgedCases == ["LA-3"])
        #expect(try sam.store.caseIDs().isEmpty)
        #expect(try sam.store.verify().isIntact, "purged links keep sam's chain whole")
        // Nothing was dropped: the visit is in the record, the late note in quarantine.
        #expect(try central.replica.snapshot(visit).state.value("wishes") == "recorded offline")
        let held = try await central.admin.storage.quarantine(state: .held)
        #expect(held.map(\.change.recordID) == [lateNote])
        #expect(held.first?.reason == "case LA-3 is not allocated to sam")

        try await lee.sync()
        #expect(try lee.store.caseIDs() == ["LA-3"])
        #expect(try lee.store.snapshot(visit).state.value("wishes") == "recorded offline")
        // The administrator moves the late note into the case as a draft for Lee.
        let copied = try await central.admin.assign(quarantined: held[0].id, to: "LA-3")
        try await lee.sync()
        #expect(try lee.store.snapshot(copied).state.value("body") == "written after the case moved")
        let custody = try await central.admin.storage.custody(of: "LA-3")
        #expect(custody.count == 2)
        #expect(custody.contains { $0.user == "sam" && $0.purgedAt != nil } == false,
                "sam's purge is reported at sam's next pull")
        try await sam.sync()
        #expect(try await central.admin.storage.custody(of: "LA-3").contains { $0.user == "sam" && $0.purgedAt != nil })
    }

    @Test func aWorkerNeverReceivesAnotherWorkersCaseAndCannotWriteToIt() async throws {
        let central = try await TestCentral.start()
        defer { Task { await central.stop() } }
        try await central.seedTeam()
        try await central.addCase("LA-4", worker: "sam")
        try await central.addCase("LA-5", worker: "kim")
        let folder = try temporaryFolder()
        let sam = try await central.device("sam", in: folder)
        let kim = try await central.device("kim", in: folder)
        let priya = try await central.device("priya", in: folder)
        try await kim.sync()
        _ = try kim.store.addNote(caseID: "LA-5", body: "kim's note")
        try await kim.sync()
        try await sam.sync()
        try await priya.sync()
        #expect(try sam.store.caseIDs() == ["LA-4"])
        #expect(try priya.store.caseIDs() == ["LA-4"], "a supervisor sees their own team's cases only")
        let changes = try await sam.store.database.read { db in try String.fetchAll(db, sql: "SELECT DISTINCT case_id FROM change_log") }
        #expect(changes == ["LA-4"])

        // Sam forges a note on Kim's case: the peer quarantines it, with a reason.
        try await sam.store.database.write { db in
            try db.execute(sql: "INSERT INTO record (id, type, case_id, updated_hlc, fields) VALUES ('LA-5', 'case', 'LA-5', 0, '{}')")
        }
        _ = try sam.store.addNote(caseID: "LA-5", body: "not my case")
        let summary = try await sam.sync()
        #expect(summary.rejected == 1)
        #expect(try await central.admin.storage.quarantine(state: .held).first?.reason == "case LA-5 is not allocated to sam")
        try await kim.sync()
        #expect(try kim.store.chronology("LA-5").count == 1, "kim never sees the refused note")
    }

    @Test func aRevokedDeviceIsRefusedUntilItsUserEnrolsItAgain() async throws {
        let (central, folder) = try await TestCentral.withTeam(cases: ["LA-6": "sam"])
        defer { Task { await central.stop() } }
        let sam = try await central.device("sam", in: folder)
        try await sam.sync()
        #expect(try await central.admin.storage.revokeDevice(sam.store.deviceID, now: central.admin.now))
        _ = try sam.store.addNote(caseID: "LA-6", body: "written while revoked")
        await #expect(throws: SyncError.refused(.unauthorized)) { try await sam.sync() }
        // Another user's code cannot take the device over; its own user's new code brings it back.
        await #expect(throws: SyncError.self) {
            _ = try await sam.client.enrol(serverURL: central.url, code: try await central.admin.newCode(for: "lee"), deviceName: "x")
        }
        _ = try await sam.client.enrol(serverURL: central.url, code: try await central.admin.newCode(for: "sam"), deviceName: "x")
        #expect(try await sam.sync().line == "pushed 1, pulled 0, conflicts 0, rejected 0")
        let second = try await central.device("sam", in: folder)
        await #expect(throws: SyncError.self) {
            _ = try await second.client.enrol(serverURL: central.url, code: "AAAA-BBBB-CCCC", deviceName: "x")
        }
    }
}

@Suite(.serialized) struct AllocationHistoryTests {
    @Test func theNewWorkerSeesWhoHeldTheCaseBefore() async throws {
        let central = try await TestCentral.start()
        defer { Task { await central.stop() } }
        try await central.seedTeam()
        try await central.addCase("LA-10", worker: "sam")
        try await central.admin.assign(caseID: "LA-10", to: "lee", reason: "caseload")
        let lee = try await central.device("lee", in: try temporaryFolder())
        try await lee.sync()
        let history = try lee.store.allocationHistory("LA-10")
        #expect(history.map(\.worker) == ["sam", "lee"])
        #expect(history.first?.to == history.last?.from)
        #expect(history.last?.to == nil)
        #expect(try lee.store.workersInLastYear("LA-10") == 2)
    }
}

@Suite(.serialized) struct QuarantineReleaseTests {
    @Test func aChangePushedUnderAnotherDevicesIdIsNeverReleased() async throws {
        let (central, folder) = try await TestCentral.withTeam(cases: ["LA-11": "sam"])
        defer { Task { await central.stop() } }
        let sam = try await central.device("sam", in: folder)
        let lee = try await central.device("lee", in: folder)
        try await sam.sync()
        // Lee's device pushes a change that claims to be Sam's device's next change.
        let forged = Change(id: ChangeID(deviceID: sam.store.deviceID, seq: 1), hlc: HLC(milliseconds: 1, counter: 0),
                            recordedAt: "2026-11-20T12:00:00.000Z", author: "lee", recordID: "forged", recordType: .note,
                            caseID: "LA-11", kind: .create,
                            writes: [FieldWrite(field: "body", value: "x", supersedes: []), FieldWrite(field: "status", value: "draft", supersedes: [])],
                            sealed: [], previousHash: Change.genesisHash)
        var request = Fieldbook_V1_PushRequest()
        request.changes = [Fieldbook_V1_Change(forged)]
        let token = try #require(try lee.store.syncState().token)
        _ = try await lee.client.transport.post(path: "/v1/push", body: try MessageCodec.encode(request), token: token)
        let entry = try #require(try await central.admin.storage.quarantine(state: .held).first)
        #expect(entry.pushedBy == lee.store.deviceID)
        await #expect(throws: CentralAdminError.self) { try await central.admin.release(entry.id) }
        // Sam's own first change still goes through.
        _ = try sam.store.addNote(caseID: "LA-11", body: "real")
        #expect(try await sam.sync().rejected == 0)
    }
}
