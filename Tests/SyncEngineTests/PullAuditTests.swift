import Central
import CentralSQLite
import ClientSync
import Foundation
import GRDB
import Store
import SyncProtocol
import Testing

/// Every pull is audited: which device of which user received how many changes of which case, and when; and
/// the custody record says when a device that no longer may hold a case purged it.
@Suite(.serialized) struct PullAuditTests {
    @Test func everyPullThatSentACaseIsListedWithItsDeviceAndUser() async throws {
        let central = try await TestCentral.start()
        defer { Task { await central.stop() } }
        try await central.seedTeam()
        try await central.addCase("LA-1", worker: "sam")
        try await central.addCase("LA-2", worker: "lee")
        let folder = try temporaryFolder()
        let sam = try await central.device("sam", in: folder)
        let priya = try await central.device("priya", in: folder)
        try await sam.sync()
        _ = try sam.store.addNote(caseID: "LA-1", body: "first visit notes")
        _ = try sam.store.addNote(caseID: "LA-1", body: "second visit notes")
        try await sam.sync()
        try await priya.sync()

        let pulls = try await central.admin.storage.pulls(of: "LA-1")
        // Version 2 sends sam none of his own notes back (SPEC.md §12.4), so his second sync sent him nothing.
        #expect(pulls.map(\.user) == ["sam", "priya"], "sam's first pull, priya's pull")
        #expect(pulls.map(\.changes) == [1, 3])
        #expect(pulls.map(\.deviceID) == [sam.store.deviceID, priya.store.deviceID])
        #expect(try await central.admin.storage.pulls(of: "LA-1", limit: 1).map(\.user) == ["priya"], "the last pull only")
        #expect(try await central.admin.storage.pulls(of: "LA-2").map(\.user) == ["priya"], "lee never synced; priya got LA-2")

        // Reallocated away from sam's team: sam's and priya's devices purge it, and the audit says when.
        _ = try await central.admin.addUser("kim2", role: .worker, team: "south")
        try await central.admin.assign(caseID: "LA-1", to: "kim2", reason: "moved")
        try await sam.sync()
        try await sam.sync()
        try await priya.sync()
        try await priya.sync()
        let custody = try await central.admin.storage.custody(of: "LA-1")
        #expect(custody.count == 2)
        #expect(custody.allSatisfy { $0.purgedAt != nil }, "both devices reported the purge")
        #expect(try sam.store.caseIDs().isEmpty)
    }
}
