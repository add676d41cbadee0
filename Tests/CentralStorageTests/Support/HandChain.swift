import Central
import CentralSQLite
import ClientSync
import Foundation
import Store
import SyncProtocol

/// Hybrid logical clock readings for hand-built changes, each later than the one before.
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

/// One device's chain of hand-built changes (as Tests/SyncEngineTests/Support/HandBuiltChanges.swift): each
/// takes the next sequence number and links to the hash of the one before, so each is a valid change.
final class HandChain: @unchecked Sendable {
    let deviceID: String
    let author: String
    let clock: HandClock
    private(set) var seq: Int64 = 0
    private(set) var previousHash = Change.genesisHash

    init(deviceID: String = UUID().uuidString.lowercased(), author: String, clock: HandClock) {
        self.deviceID = deviceID
        self.author = author
        self.clock = clock
    }

    func make(_ kind: ChangeKind, _ type: RecordType, record recordID: String, case caseID: String,
              writes: [FieldWrite], sealed: [ChangeID] = []) -> Change {
        seq += 1
        let (hlc, recordedAt) = clock.next()
        let change = Change(id: ChangeID(deviceID: deviceID, seq: seq), hlc: hlc, recordedAt: recordedAt, author: author,
                            recordID: recordID, recordType: type, caseID: caseID, kind: kind, writes: writes, sealed: sealed,
                            previousHash: previousHash)
        previousHash = change.hash
        return change
    }

    /// A new note on `caseID` (its creating change).
    func note(_ body: String, case caseID: String, record: String = UUID().uuidString.lowercased()) -> Change {
        make(.create, .note, record: record, case: caseID, writes: [write("body", body), write("status", "draft")])
    }
}

func write(_ field: String, _ value: String?, supersedes: [ChangeID] = []) -> FieldWrite {
    FieldWrite(field: field, value: value, supersedes: supersedes)
}

/// Accepts `changes` through one intake, stamped `receivedAt`.
func accept(_ changes: [Change], into storage: any CentralStorage, at receivedAt: String, skew: Int64? = nil) async throws {
    try await storage.intake { intake in
        try await intake.accept(changes.map { AcceptedChange($0, receivedAt: receivedAt, clockSkew: skew) })
    }
}
