import Central
import CentralSQLite
import ClientSync
import Foundation
import GRDB
import Store
import SyncHTTPClient
import SyncProtocol
import Testing

/// Every role against every case relation, for reads (what a pull delivers) and writes (what a push is
/// allowed to add), through a real central peer over HTTP; then every endpoint against missing, forged and
/// revoked credentials.
@Suite(.serialized) struct AuthorizationMatrixTests {
    /// How a case stands to the user under test.
    enum Relation: String, CaseIterable {
        case own, team, otherTeam, unallocated, reassignedAway
    }

    /// What the user may do with a case of each relation: (reads, writes now, writes recorded before a
    /// reassignment away). A supervisor's team is their workers' cases; a case taken away keeps the work
    /// recorded while it was held.
    static let expected: [CentralRole: [Relation: (read: Bool, write: Bool)]] = [
        .worker: [.own: (true, true), .team: (false, false), .otherTeam: (false, false),
                  .unallocated: (false, false), .reassignedAway: (false, false)],
        .supervisor: [.own: (true, true), .team: (true, true), .otherTeam: (false, false),
                      .unallocated: (false, false), .reassignedAway: (false, false)],
    ]

    /// A clock the test moves: the device records "before the reassignment" by setting it back.
    final class TestClock: @unchecked Sendable {
        private let lock = NSLock()
        private var date = Date()
        func now() -> Date { lock.withLock { date } }
        func set(_ new: Date) { lock.withLock { date = new } }
    }

    @Test(arguments: [CentralRole.worker, .supervisor])
    func everyRoleAgainstEveryCaseRelation(role: CentralRole) async throws {
        let central = try await TestCentral.start()
        defer { Task { await central.stop() } }
        try await central.seedTeam()  // priya supervises north (sam, lee); kim is in south
        let subject = role == .supervisor ? "priya" : "sam"
        let teammate = role == .supervisor ? "sam" : "lee"
        let start = Date().addingTimeInterval(-7200)
        let admin = CentralAdministration(storage: central.admin.storage, actor: central.admin.actor, clock: { start })
        try await admin.addCase(id: "OWN-1", values: caseValues, worker: subject)
        try await admin.addCase(id: "TEAM-1", values: caseValues, worker: teammate)
        try await admin.addCase(id: "OTHER-1", values: caseValues, worker: "kim")
        try await admin.addCase(id: "NONE-1", values: caseValues, worker: nil)
        try await admin.addCase(id: "AWAY-1", values: caseValues, worker: subject)
        let reassignedAt = start.addingTimeInterval(3600)
        try await CentralAdministration(storage: central.admin.storage, actor: central.admin.actor, clock: { reassignedAt })
            .assign(caseID: "AWAY-1", to: "kim", reason: "moved to the south team")
        let cases: [Relation: String] = [.own: "OWN-1", .team: "TEAM-1", .otherTeam: "OTHER-1", .unallocated: "NONE-1", .reassignedAway: "AWAY-1"]

        let clock = TestClock()
        let folder = try temporaryFolder()
        let store = try CaseStore(path: folder.appendingPathComponent("\(subject).sqlite").path, author: subject, clock: { clock.now() })
        let device = Device(store: store, client: SyncClient(store: store, transport: HTTPSyncTransport(baseURL: central.url)))
        _ = try await device.client.enrol(serverURL: central.url, code: try await central.admin.newCode(for: subject), deviceName: "matrix")
        try await device.sync()

        // Reads: a pull delivers exactly the cases the role may see.
        let held = Set(try store.caseIDs())
        for relation in Relation.allCases {
            let may = try #require(Self.expected[role]?[relation]).read
            #expect(held.contains(cases[relation] ?? "") == may, "\(role) read \(relation)")
        }

        // Writes recorded now: a note on each case, forged locally where the device does not hold the case.
        for relation in Relation.allCases {
            let caseID = try #require(cases[relation])
            try forgeCaseIfMissing(caseID, in: store)
            _ = try store.addNote(caseID: caseID, body: "\(role) writes to a \(relation) case")
            let summary = try await device.sync()
            let may = try #require(Self.expected[role]?[relation]).write
            #expect(summary.rejected == (may ? 0 : 1), "\(role) write \(relation): \(summary.line)")
        }
        let quarantined = try await central.admin.storage.quarantine(state: .held)
        #expect(quarantined.allSatisfy { $0.reason.contains("is not allocated to \(subject)") || $0.reason.contains("no case") },
                "\(quarantined.map(\.reason))")

        // Work recorded while the case was still held lands, even though it is pushed after the reassignment.
        clock.set(start.addingTimeInterval(1800))
        try forgeCaseIfMissing("AWAY-1", in: store)
        _ = try store.addNote(caseID: "AWAY-1", body: "recorded before the case moved")
        clock.set(Date())
        let late = try await device.sync()
        #expect(late.rejected == 0, "\(role): work recorded while holding the case is kept: \(late.line)")
        #expect(try central.replica.chronology("AWAY-1").contains { $0.summary.contains("recorded before the case moved") })
    }

    @Test func everyEndpointRefusesMissingForgedAndRevokedCredentials() async throws {
        let (central, folder) = try await TestCentral.withTeam(cases: ["LA-1": "sam"])
        defer { Task { await central.stop() } }
        let sam = try await central.device("sam", in: folder)
        try await sam.sync()
        let token = try #require(try sam.store.syncState().token)
        let transport = HTTPSyncTransport(baseURL: central.url)
        let pull = try MessageCodec.encode(Fieldbook_V1_PullRequest())
        let push = try MessageCodec.encode(Fieldbook_V1_PushRequest())

        for path in ["/v1/push", "/v1/pull"] {
            let body = path == "/v1/push" ? push : pull
            #expect(try await transport.post(path: path, body: body, token: token).status == 200, "\(path) with the device's token")
            #expect(try await transport.post(path: path, body: body, token: nil).status == 401, "\(path) without a token")
            #expect(try await transport.post(path: path, body: body, token: String(token.reversed())).status == 401, "\(path) forged token")
            #expect(try await transport.post(path: path, body: body, token: String(repeating: "a", count: 5000)).status == 401, "\(path) huge token")
        }
        // The health check needs no token and tells nothing about the data.
        #expect(try await transport.health().contains("fieldbook-central"))

        // Enrolment: a used code, an unknown code and an expired code are all refused.
        var enrol = Fieldbook_V1_EnrolRequest()
        enrol.protocolVersion = ProtocolLimits.version
        enrol.deviceID = "intruder-1"
        enrol.deviceName = "intruder"
        let code = try await central.admin.newCode(for: "lee")
        enrol.code = code
        #expect(try await transport.post(path: "/v1/enrol", body: try MessageCodec.encode(enrol), token: nil).status == 200)
        enrol.deviceID = "intruder-2"
        #expect(try await transport.post(path: "/v1/enrol", body: try MessageCodec.encode(enrol), token: nil).status == 403, "a code is single-use")
        enrol.code = "AAAA-BBBB-CCCC"
        #expect(try await transport.post(path: "/v1/enrol", body: try MessageCodec.encode(enrol), token: nil).status == 403, "unknown code")
        let lifetime = CentralPeer.enrolmentCodeLifetime
        let issuedLongAgo = CentralAdministration(storage: central.admin.storage, actor: central.admin.actor, clock: { Date().addingTimeInterval(-lifetime - 60) })
        enrol.code = try await issuedLongAgo.newCode(for: "lee")
        #expect(try await transport.post(path: "/v1/enrol", body: try MessageCodec.encode(enrol), token: nil).status == 403, "expired code")

        // Codes and tokens are stored only as hashes.
        let secrets = try await central.replica.database.read { db in
            try String.fetchAll(db, sql: "SELECT code_hash FROM central_enrolment UNION ALL SELECT token_hash FROM central_device")
        }
        #expect(!secrets.isEmpty)
        #expect(!secrets.contains(token) && !secrets.contains(code))
        #expect(secrets.allSatisfy { $0.count == 64 && $0.allSatisfy(\.isHexDigit) })

        // A revoked device's old token is refused everywhere.
        #expect(try await central.admin.storage.revokeDevice(sam.store.deviceID, now: central.admin.now))
        for path in ["/v1/push", "/v1/pull"] {
            #expect(try await transport.post(path: path, body: path == "/v1/push" ? push : pull, token: token).status == 401, "\(path) after revocation")
        }
    }

    private let caseValues: [(key: String, value: String)] = [
        ("child", "A Child"), ("dob", "2015-01-01"), ("category", "CP"), ("plan_start", "2026-10-01"),
    ]

    /// Puts a bare case record into the device's store, as a tampered device could, so it can write to a
    /// case the peer never sent it.
    private func forgeCaseIfMissing(_ caseID: String, in store: CaseStore) throws {
        try store.database.write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO record (id, type, case_id, updated_hlc, fields) VALUES (?, 'case', ?, 0, '{}')",
                           arguments: [caseID, caseID])
        }
    }
}
