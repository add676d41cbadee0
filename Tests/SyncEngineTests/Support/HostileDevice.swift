import Central
import CentralSQLite
import ClientSync
import Foundation
import Seeded
import Store
import SyncProtocol

/// An enrolled device that builds its changes by hand, from SPEC.md alone, to send what the REPL never
/// would: edits and deletions of final records, amendments filed on one case that target another, a
/// worker's oversight and its amendment, resolutions that take a late value on a final record, finalising
/// another worker's draft, a forged author, gaps in its sequence, clocks far in the future. Its chain stays valid (except for the
/// gaps it sends on purpose), so every change reaches the policy and is judged there.
final class HostileDevice: @unchecked Sendable {
    let user: String
    let deviceID: String
    let token: String
    let transport: any SyncTransport
    private let chain: HandChain
    private(set) var sent = 0
    private(set) var accepted = 0

    init(user: String, deviceID: String, token: String, transport: any SyncTransport) {
        self.user = user
        self.deviceID = deviceID
        self.token = token
        self.transport = transport
        self.chain = HandChain(deviceID: deviceID, author: user, clock: HandClock())
    }

    /// Enrols a new hostile device for `user` with an enrolment code.
    static func enrol(user: String, code: String, transport: any SyncTransport) async throws -> HostileDevice {
        var request = Fieldbook_V1_EnrolRequest()
        request.code = code
        request.deviceID = "hostile-\(UUID().uuidString.lowercased().prefix(8))"
        request.deviceName = "hostile"
        request.protocolVersion = ProtocolLimits.version
        let answer = try await transport.post(path: "/v1/enrol", body: try MessageCodec.encode(request), token: nil)
        let response = try MessageCodec.decode(Fieldbook_V1_EnrolResponse.self, from: answer.body)
        return HostileDevice(user: user, deviceID: request.deviceID, token: response.token, transport: transport)
    }

    /// Sends one random hostile change about the records the central replica holds.
    func attack(_ replica: CaseStore, using rng: inout SplitMix64) async throws {
        let records: [RecordState] = try await replica.database.read { db in
            try String.fetchAll(db, sql: "SELECT id FROM record WHERE type != 'case' ORDER BY id").compactMap { try StoredRecord.state(of: $0, db) }
        }
        guard let record = records.randomElement(using: &rng) else { return }
        let other = records.randomElement(using: &rng) ?? record
        let status = FieldWrite(field: RecordSchema.statusField, value: RecordStatus.final.rawValue, supersedes: record.currentVersionIDs(of: "status"))
        let kind = Int.random(in: 0..<10, using: &rng)
        switch kind {
        case 0: // edit a record whatever its status, to a field it may never have had
            try await send(record, .edit, [FieldWrite(field: record.recordType == .note ? "category" : "analysis",
                                                      value: record.recordType == .note ? "other" : "hostile words", supersedes: [])])
        case 1: // delete whatever its status
            try await send(record, .delete, [FieldWrite(field: "status", value: "deleted", supersedes: record.currentVersionIDs(of: "status")),
                                            FieldWrite(field: "delete_reason", value: "hostile", supersedes: [])], sealed: record.sealCandidate)
        case 2: // finalise another's draft
            try await send(record, .finalise, [status], sealed: record.sealCandidate)
        case 3: // resolve a late value into a final record
            let field = record.recordType == .visit ? "wishes" : "body"
            try await send(record, .resolve, [FieldWrite(field: field, value: "hostile resolution", supersedes: record.currentVersionIDs(of: field))],
                           sealed: record.sealCandidate)
        case 4: // an amendment filed on another case than its target's
            let target = other
            let caseID = records.first { $0.caseID != target.caseID }?.caseID ?? target.caseID
            try await create(.amendment, caseID: caseID, [FieldWrite(field: "target_id", value: target.recordID, supersedes: []),
                                                         FieldWrite(field: "reason", value: "hostile", supersedes: []),
                                                         FieldWrite(field: "corrected", value: #"{"body":"forged","wishes":"forged"}"#, supersedes: []),
                                                         FieldWrite(field: "status", value: "final", supersedes: [])])
        case 5: // a worker's oversight
            try await create(.oversight, caseID: record.caseID, [FieldWrite(field: "body", value: "hostile oversight", supersedes: []),
                                                                 FieldWrite(field: "status", value: "final", supersedes: [])])
        case 6: // a forged author
            try await send(record, .edit, [FieldWrite(field: "wishes", value: "forged", supersedes: [])], author: "priya")
        case 7: // a gap in the sequence: never enters the chain
            try await send(record, .edit, [FieldWrite(field: "wishes", value: "gap", supersedes: [])], skip: 2)
        case 8: // a clock at the end of time, or just past the week ahead the peer allows
            let hlc = rng.chance(0.5) ? HLC.maximum : HLC(milliseconds: Timestamp.milliseconds(Date()) + 8 * 86_400_000, counter: 0)
            try await push(chain.make(.edit, record.recordType, record: record.recordID, case: record.caseID,
                                      writes: [FieldWrite(field: record.recordType == .note ? "body" : "wishes", value: "from the future",
                                                          supersedes: record.currentVersionIDs(of: record.recordType == .note ? "body" : "wishes"))],
                                      hlc: hlc))
        default: // an honest-looking edit of a draft on a case the user may or may not hold
            try await send(record, .edit, [FieldWrite(field: record.recordType == .note ? "body" : "wishes", value: "mallory",
                                                      supersedes: record.currentVersionIDs(of: record.recordType == .note ? "body" : "wishes"))])
        }
    }

    private func create(_ type: RecordType, caseID: String, _ writes: [FieldWrite]) async throws {
        try await push(chain.make(.create, type, record: newRecordID(), case: caseID, writes: writes))
    }

    private func send(_ record: RecordState, _ kind: ChangeKind, _ writes: [FieldWrite], sealed: [ChangeID] = [],
                      author: String? = nil, skip: Int64 = 0) async throws {
        if skip > 0 {
            // A gap: built past the chain's next number without moving the chain.
            try await push(chain.detached(seq: chain.seq + 1 + skip, previousHash: chain.previousHash, kind, record.recordType,
                                          record: record.recordID, case: record.caseID, writes: writes))
        } else {
            try await push(chain.make(kind, record.recordType, record: record.recordID, case: record.caseID, writes: writes,
                                      sealed: sealed, author: author))
        }
    }

    private func push(_ change: Change) async throws {
        var request = Fieldbook_V1_PushRequest()
        request.changes = [Fieldbook_V1_Change(change)]
        let answer = try await transport.post(path: "/v1/push", body: try MessageCodec.encode(request), token: token)
        guard answer.status == 200 else { return }
        let results = try MessageCodec.decode(Fieldbook_V1_PushResponse.self, from: answer.body).results
        sent += 1
        if results.first?.status == .accepted { accepted += 1 }
    }
}
