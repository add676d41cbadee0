import Central
import CentralSQLite
import ClientSync
import Foundation
import Store
import SyncProtocol

/// Hybrid logical clock readings for hand-built changes: every reading is later than the one before, so
/// changes built in a test are ordered as they were built, whichever device they claim to come from.
final class HandClock: @unchecked Sendable {
    private let lock = NSLock()
    private var milliseconds = Timestamp.milliseconds(Date()) - 60_000

    func next() -> (hlc: HLC, recordedAt: String) {
        lock.withLock {
            milliseconds += 1
            return (HLC(milliseconds: milliseconds, counter: 0), Timestamp.iso8601(milliseconds: milliseconds))
        }
    }
}

/// One device's chain of hand-built changes, as a tampered or hand-driven device would make them: each
/// change takes the next sequence number and links to the hash of the one before (SPEC §5.2), so the peer
/// judges it by its content alone.
final class HandChain: @unchecked Sendable {
    let deviceID: String
    let author: String
    let clock: HandClock
    private(set) var seq: Int64 = 0
    private(set) var previousHash = Change.genesisHash

    init(deviceID: String, author: String, clock: HandClock) {
        self.deviceID = deviceID
        self.author = author
        self.clock = clock
    }

    /// The chain of an enrolled device's store (which has made no change of its own).
    convenience init(_ store: CaseStore, clock: HandClock) {
        self.init(deviceID: store.deviceID, author: store.author, clock: clock)
    }

    /// The next change of this chain.
    func make(_ kind: ChangeKind, _ type: RecordType, record recordID: String, case caseID: String,
              writes: [FieldWrite], sealed: [ChangeID] = [], author: String? = nil, hlc claimed: HLC? = nil) -> Change {
        seq += 1
        let (next, recordedAt) = clock.next()
        let hlc = claimed ?? next
        let change = Change(id: ChangeID(deviceID: deviceID, seq: seq), hlc: hlc, recordedAt: recordedAt,
                            author: author ?? self.author, recordID: recordID, recordType: type, caseID: caseID,
                            kind: kind, writes: writes, sealed: sealed, previousHash: previousHash)
        previousHash = change.hash
        return change
    }

    /// A change at `seq` linking to `previousHash`, built without moving this chain (a gap or a fork).
    func detached(seq: Int64, previousHash: String, _ kind: ChangeKind, _ type: RecordType, record recordID: String,
                  case caseID: String, writes: [FieldWrite]) -> Change {
        let (hlc, recordedAt) = clock.next()
        return Change(id: ChangeID(deviceID: deviceID, seq: seq), hlc: hlc, recordedAt: recordedAt, author: author,
                      recordID: recordID, recordType: type, caseID: caseID, kind: kind, writes: writes, sealed: [],
                      previousHash: previousHash)
    }

    /// Moves the chain past `change` (built with ``detached(seq:previousHash:_:_:record:case:writes:)``).
    func adopt(_ change: Change) {
        seq = change.id.seq
        previousHash = change.hash
    }
}

/// The `code` of an error answer's body (`ErrorResponse`, SPEC §8), or `nil` if it is not one.
func errorCode(_ body: [UInt8]) -> String? {
    (try? MessageCodec.decode(Fieldbook_V1_ErrorResponse.self, from: body))?.code
}

/// A new record id as stores make them: a lowercase UUID.
func newRecordID() -> String { UUID().uuidString.lowercased() }

/// One write with no earlier version replaced.
func write(_ field: String, _ value: String?, supersedes: [ChangeID] = []) -> FieldWrite {
    FieldWrite(field: field, value: value, supersedes: supersedes)
}

extension Device {
    /// Pushes hand-built changes with this device's token, in batches of at most 500, and returns the
    /// peer's results in order.
    func push(_ changes: [Change]) async throws -> [Fieldbook_V1_PushResult] {
        guard let token = try store.syncState().token else { throw CentralAdminError("the device is not enrolled") }
        var results: [Fieldbook_V1_PushResult] = []
        var start = 0
        while start < changes.count {
            let batch = changes[start..<min(start + 500, changes.count)]
            var request = Fieldbook_V1_PushRequest()
            request.changes = batch.map { Fieldbook_V1_Change($0) }
            let answer = try await client.transport.post(path: "/v1/push", body: try MessageCodec.encode(request), token: token)
            guard answer.status == 200 else {
                throw CentralAdminError("push answered \(answer.status): \(String(decoding: answer.body, as: UTF8.self))")
            }
            results += try MessageCodec.decode(Fieldbook_V1_PushResponse.self, from: answer.body).results
            start += 500
        }
        return results
    }

    /// Pushes one hand-built change and returns the peer's result.
    func push(_ change: Change) async throws -> Fieldbook_V1_PushResult {
        guard let result = try await push([change]).first else { throw CentralAdminError("no result for \(change.id)") }
        return result
    }
}

extension TestCentral {
    /// Stores changes in the central log as if accepted, without admission: the fixtures a test needs
    /// (records in a given state, by a given author), not what is under test.
    func inject(_ changes: [Change]) async throws {
        let now = admin.now
        try await admin.storage.intake { intake in
            try await intake.accept(changes.map { AcceptedChange($0, receivedAt: now) })
        }
    }
}
