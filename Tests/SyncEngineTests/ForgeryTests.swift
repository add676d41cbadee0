import Central
import CentralSQLite
import ClientSync
import Foundation
import Store
import SyncHTTPClient
import SyncProtocol
import Testing

/// Changes a tampered device might push: each is refused with a reason (quarantined, never dropped) or
/// recognised as a duplicate, and the device's honest work still goes through afterwards.
@Suite(.serialized) struct ForgeryTests {
    /// A note from `device`'s user on LA-1, at sequence `seq`, continuing `previousHash`.
    private func note(_ device: Device, seq: Int64, previousHash: String, author: String? = nil, body: String) -> Change {
        Change(id: ChangeID(deviceID: device.store.deviceID, seq: seq), hlc: HLC(milliseconds: 1_790_000_000_000 + seq, counter: 0),
               recordedAt: "2026-11-20T12:00:00.000Z", author: author ?? device.store.author, recordID: String(format: "00000000-0000-7000-8000-%06d%06d", seq, body.count),
               recordType: .note, caseID: "LA-1", kind: .create,
               writes: [FieldWrite(field: "body", value: body, supersedes: []), FieldWrite(field: "status", value: "draft", supersedes: [])],
               sealed: [], previousHash: previousHash)
    }

    private func push(_ changes: [Change], as device: Device) async throws -> [Fieldbook_V1_PushResult] {
        var request = Fieldbook_V1_PushRequest()
        request.changes = changes.map { Fieldbook_V1_Change($0) }
        let token = try #require(try device.store.syncState().token)
        let answer = try await device.client.transport.post(path: "/v1/push", body: try MessageCodec.encode(request), token: token)
        #expect(answer.status == 200)
        return try MessageCodec.decode(Fieldbook_V1_PushResponse.self, from: answer.body).results
    }

    @Test func brokenChainsForgedAuthorsAndReplaysAreRefusedWithAReason() async throws {
        let (central, folder) = try await TestCentral.withTeam(cases: ["LA-1": "sam"])
        defer { Task { await central.stop() } }
        let sam = try await central.device("sam", in: folder)
        try await sam.sync()

        let first = note(sam, seq: 1, previousHash: Change.genesisHash, body: "honest")
        #expect(try await push([first], as: sam).map(\.status) == [.accepted])
        #expect(try await push([first], as: sam).map(\.status) == [.duplicate], "a replay is a duplicate, stored once")

        let gap = note(sam, seq: 9, previousHash: first.hash, body: "skips numbers")
        let gapResult = try #require(try await push([gap], as: sam).first)
        #expect(gapResult.status == .quarantined)
        #expect(gapResult.reason.contains("out of order: the next change expected from this device is number 2"))

        let wrongLink = note(sam, seq: 2, previousHash: String(repeating: "0", count: 64), body: "wrong link")
        let linkResult = try #require(try await push([wrongLink], as: sam).first)
        #expect(linkResult.reason.contains("does not continue this device's hash chain"), "\(linkResult.reason)")

        // A quarantined change keeps its place in the chain (SPEC §6.5), so the next one links to it.
        let honest = note(sam, seq: 3, previousHash: wrongLink.hash, body: "after the broken link")
        var tampered = Fieldbook_V1_Change(note(sam, seq: 4, previousHash: honest.hash, body: "original"))
        tampered.writes[0].value = "edited after hashing"
        var request = Fieldbook_V1_PushRequest()
        request.changes = [Fieldbook_V1_Change(honest), tampered]
        let token = try #require(try sam.store.syncState().token)
        let answer = try await sam.client.transport.post(path: "/v1/push", body: try MessageCodec.encode(request), token: token)
        let results = try MessageCodec.decode(Fieldbook_V1_PushResponse.self, from: answer.body).results
        #expect(results.last?.reason == "its hash does not match its content")

        let impostor = note(sam, seq: 5, previousHash: tampered.hash, author: "priya", body: "signed as priya")
        let impostorResult = try #require(try await push([impostor], as: sam).first)
        #expect(impostorResult.reason == "its author priya is not this device's user sam", "\(impostorResult.reason)")

        let replayedDifferently = note(sam, seq: 1, previousHash: Change.genesisHash, body: "same id, other content")
        #expect(try await push([replayedDifferently], as: sam).first?.reason.contains("replay or forgery") == true)

        // Nothing refused was dropped: each is in the quarantine with its reason.
        #expect(try await central.admin.storage.quarantine(state: .held).count == 5)
        #expect(try central.replica.chronology("LA-1").count == 2, "only the two honest notes entered the record")
    }
}
