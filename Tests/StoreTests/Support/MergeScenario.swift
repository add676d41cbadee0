import Seeded
@testable import Store

/// Replicas that edit, finalise, resolve and delete a few shared records while exchanging changes at
/// random: the raw material of the merge's property tests. Changes are built exactly as the store builds
/// them (superseding what the writer can see; sealing on finalisation), without a database.
struct MergeScenario {
    struct Replica {
        let deviceID: String
        var seq: Int64 = 0
        var lastHash = Change.genesisHash
        var clock = HLC.zero
        var known: [ChangeID: Change] = [:]

        func state(of record: String) -> RecordState? {
            RecordState(changes: known.values.filter { $0.recordID == record })
        }
    }

    static let fields = ["wishes", "observations", "seen", "location"]
    static let values = ["a", "b", "c", "d", "e"]

    var replicas: [Replica]
    var records: [String]
    var all: [Change] = []
    private var rng: SplitMix64
    private var wallClock: Int64 = 1_790_000_000_000

    init(seed: UInt64, replicas count: Int = 3, records: Int = 2) {
        rng = SplitMix64(seed: seed)
        replicas = (0..<count).map { Replica(deviceID: "device-\($0)") }
        self.records = (0..<records).map { "record-\($0)" }
        for record in self.records {
            make(on: 0, record: record, kind: .create,
                 writes: [FieldWrite(field: "status", value: "draft", supersedes: []),
                          FieldWrite(field: "wishes", value: "first", supersedes: [])])
        }
        // Every replica starts with the records' creation.
        for index in replicas.indices { exchange(from: 0, to: index) }
    }

    /// Runs `steps` random operations: edits, finalisations, resolutions, deletions and syncs.
    mutating func run(steps: Int) {
        for _ in 0..<steps {
            let replica = Int.random(in: 0..<replicas.count, using: &rng)
            guard let record = records.randomElement(using: &rng) else { return }
            switch Int.random(in: 0..<100, using: &rng) {
            case 0..<55: edit(on: replica, record: record)
            case 55..<63: finalise(on: replica, record: record)
            case 63..<68: delete(on: replica, record: record)
            case 68..<78: resolve(on: replica, record: record)
            default:
                let other = Int.random(in: 0..<replicas.count, using: &rng)
                exchange(from: other, to: replica)
            }
            // Clocks drift: sometimes the wall clock stands still or goes back a little.
            wallClock += Int64.random(in: -5...40, using: &rng)
        }
    }

    /// Every replica learns every change.
    mutating func syncAll() {
        for from in replicas.indices { for to in replicas.indices { exchange(from: from, to: to) } }
    }

    mutating func exchange(from source: Int, to target: Int) {
        for (id, change) in replicas[source].known where replicas[target].known[id] == nil {
            replicas[target].known[id] = change
            if replicas[target].clock < change.hlc { replicas[target].clock = change.hlc }
        }
    }

    private mutating func edit(on replica: Int, record: String) {
        guard let state = replicas[replica].state(of: record), state.status == .draft,
              let field = Self.fields.randomElement(using: &rng),
              !(state.fields[field]?.isConflicted ?? false)
        else { return }
        let value = Self.values.randomElement(using: &rng)
        make(on: replica, record: record, kind: .edit,
             writes: [FieldWrite(field: field, value: value, supersedes: state.currentVersionIDs(of: field))])
    }

    private mutating func finalise(on replica: Int, record: String) {
        guard let state = replicas[replica].state(of: record), state.status == .draft else { return }
        make(on: replica, record: record, kind: .finalise,
             writes: [FieldWrite(field: "status", value: "final", supersedes: state.currentVersionIDs(of: "status"))],
             sealed: state.sealCandidate)
    }

    private mutating func delete(on replica: Int, record: String) {
        guard let state = replicas[replica].state(of: record), state.status == .draft else { return }
        make(on: replica, record: record, kind: .delete,
             writes: [FieldWrite(field: "status", value: "deleted", supersedes: state.currentVersionIDs(of: "status")),
                      FieldWrite(field: "delete_reason", value: "mistake", supersedes: state.currentVersionIDs(of: "delete_reason"))],
             sealed: state.sealCandidate)
    }

    private mutating func resolve(on replica: Int, record: String) {
        guard let state = replicas[replica].state(of: record),
              let field = state.conflictedFields.randomElement(using: &rng)
        else { return }
        let choice = state.fields[field]?.current.randomElement(using: &rng)?.value ?? nil
        var sealed: [ChangeID] = []
        if field == "status", let value = choice, RecordStatus(rawValue: value)?.isTerminal == true {
            sealed = state.sealCandidate
        }
        make(on: replica, record: record, kind: .resolve,
             writes: [FieldWrite(field: field, value: choice, supersedes: state.currentVersionIDs(of: field))],
             sealed: sealed)
    }

    private mutating func make(on index: Int, record: String, kind: ChangeKind, writes: [FieldWrite],
                               sealed: [ChangeID] = []) {
        var replica = replicas[index]
        replica.seq += 1
        replica.clock = HLC.next(after: replica.clock, wallMilliseconds: wallClock)
        let change = Change(id: ChangeID(deviceID: replica.deviceID, seq: replica.seq), hlc: replica.clock,
                            recordedAt: Timestamp.iso8601(milliseconds: wallClock), author: "user-\(index)",
                            recordID: record, recordType: .visit, caseID: "LA-1", kind: kind, writes: writes,
                            sealed: sealed, previousHash: replica.lastHash)
        replica.lastHash = change.hash
        replica.known[change.id] = change
        replicas[index] = replica
        all.append(change)
    }
}
