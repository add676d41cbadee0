import Central
import CentralSQLite
import ClientSync
import Foundation
import Store
import SyncHTTPClient
import SyncProtocol
import Testing

/// A change whose clock is far ahead of the central peer's is quarantined with a reason, so that it can
/// neither overflow the peer's clock nor drag every device's forward (issue 11, item 6; SPEC.md §6.5).
@Suite(.serialized) struct FutureClockTests {
    /// A validly hashed change continuing `store`'s chain, with the clock a hostile or broken device chose.
    private func forgedNote(after store: CaseStore, caseID: String, hlc: HLC, seq: Int64, previousHash: String) -> Change {
        Change(id: ChangeID(deviceID: store.deviceID, seq: seq), hlc: hlc, recordedAt: "2026-11-20T12:00:00.000Z",
               author: "sam", recordID: UUIDv7.make(at: Date()), recordType: .note, caseID: caseID, kind: .create,
               writes: [FieldWrite(field: "body", value: "clock at \(hlc.rawValue)", supersedes: []),
                        FieldWrite(field: "status", value: "draft", supersedes: [])],
               sealed: [], previousHash: previousHash)
    }

    private func push(_ change: Change, token: String, to central: TestCentral) async throws -> Fieldbook_V1_PushResult {
        var request = Fieldbook_V1_PushRequest()
        request.changes = [Fieldbook_V1_Change(change)]
        let answer = try await HTTPSyncTransport(baseURL: central.url).post(path: "/v1/push", body: try MessageCodec.encode(request), token: token)
        #expect(answer.status == 200)
        return try #require(try MessageCodec.decode(Fieldbook_V1_PushResponse.self, from: answer.body).results.first)
    }

    @Test func aClockBeyondTheAllowanceIsQuarantinedAndTheCaseStaysReadable() async throws {
        let (central, folder) = try await TestCentral.withTeam(cases: ["LA-1": "sam"])
        defer { Task { await central.stop() } }
        let sam = try await central.device("sam", in: folder)
        let priya = try await central.device("priya", in: folder)
        try await sam.sync()
        let token = try #require(try sam.store.syncState().token)

        // At the very top of the clock's range: the next change anyone makes on this case would overflow.
        let top = forgedNote(after: sam.store, caseID: "LA-1", hlc: HLC(rawValue: .max), seq: 1, previousHash: Change.genesisHash)
        let refused = try await push(top, token: token, to: central)
        #expect(refused.status == .quarantined)
        #expect(refused.reason.contains("ahead of the central peer's"), "\(refused.reason)")
        // Just past the allowance: refused too; within it (a clock two days fast): accepted and flagged (§3.10).
        let now = Timestamp.milliseconds(Date())
        let past = forgedNote(after: sam.store, caseID: "LA-1", hlc: HLC(milliseconds: now + ProtocolLimits.maximumClockLead + 60_000, counter: 0),
                              seq: 2, previousHash: top.hash)
        #expect(try await push(past, token: token, to: central).status == .quarantined)
        let within = forgedNote(after: sam.store, caseID: "LA-1", hlc: HLC(milliseconds: now + 2 * 86_400_000, counter: 0),
                                seq: 3, previousHash: past.hash)
        #expect(try await push(within, token: token, to: central).status == .accepted)

        // The central replica's next change (an allocation) and every device's pull of the case still work.
        try await central.admin.assign(caseID: "LA-1", to: "lee", reason: "cover")
        let replicaChange = try #require(try central.replica.history("LA-1").last)
        #expect(replicaChange.hlc.rawValue > 0 && replicaChange.hlc.milliseconds <= now + ProtocolLimits.maximumClockLead + 86_400_000)
        let pulled = try await priya.sync()
        #expect(pulled.pulled > 0)
        #expect(try priya.store.history("LA-1").contains { $0.id == replicaChange.id })
    }
}
