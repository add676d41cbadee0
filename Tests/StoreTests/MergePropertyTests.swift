import Foundation
import PropertyBased
import Seeded
import Testing
@testable import Store

/// The merge is a function of the set of changes: any order, any repetition, the same state on every
/// replica; concurrent writes are kept, never dropped.
@Suite struct MergePropertyTests {
    private static let seeds = Gen.uint64(in: 0...UInt64.max)

    @Test func anyOrderAndAnyRepetitionGiveTheSameState() async {
        await propertyCheck(count: 300, input: Self.seeds) { seed in
            var scenario = MergeScenario(seed: seed)
            scenario.run(steps: 60)
            var rng = SplitMix64(seed: seed ^ 0xDEADBEEF)
            for record in scenario.records {
                let changes = scenario.all.filter { $0.recordID == record }
                let reference = RecordState(changes: changes.sorted { $0.id < $1.id })
                for _ in 0..<5 {
                    var shuffled = changes.shuffled(using: &rng)
                    shuffled += changes.filter { _ in Bool.random(using: &rng) }.shuffled(using: &rng)
                    #expect(RecordState(changes: shuffled.shuffled(using: &rng)) == reference, "seed \(seed)")
                }
            }
        }
    }

    /// The store keeps each record's merge state between batches (``KeptMergeState``, store v10) and merges
    /// the next batch into it; that must give, byte for byte, the state a replay of every change gives. The
    /// changes arrive in random batches of random order, and the state goes through its encoding between
    /// batches, as it does through the `record` table. Where a left-out value becomes current again, the
    /// record is replayed, as the store does (counted, so the fallback is seen to be exercised).
    @Test func aStateKeptBetweenBatchesMergesLikeAReplay() async {
        let replays = Counter()
        await propertyCheck(count: 300, input: Self.seeds) { seed in
            var scenario = MergeScenario(seed: seed)
            scenario.run(steps: 60)
            var rng = SplitMix64(seed: seed ^ 0x5EED)
            for record in scenario.records {
                let changes = scenario.all.filter { $0.recordID == record }.shuffled(using: &rng)
                guard let reference = RecordState(changes: changes) else { continue }
                var kept: [UInt8]?
                var applied: [Change] = []
                var rest = changes[...]
                while !rest.isEmpty {
                    let batch = rest.prefix(Int.random(in: 1...4, using: &rng))
                    rest = rest.dropFirst(batch.count)
                    applied += batch
                    var state: RecordState
                    if let kept {
                        guard let decoded = KeptMergeState.decode(kept, recordID: record) else {
                            Issue.record("seed \(seed): a kept state could not be read back")
                            return
                        }
                        #expect(!decoded.needsReplay, "seed \(seed)")
                        state = decoded
                        state.apply(contentsOf: batch)
                        if state.needsReplay {
                            replays.add()
                            guard let replayed = RecordState(changes: applied) else { return }
                            state = replayed
                        }
                    } else {
                        guard let first = RecordState(changes: batch) else { return }
                        state = first
                    }
                    kept = KeptMergeState.encode(state)
                }
                #expect(kept == KeptMergeState.encode(reference), "seed \(seed)")
                #expect(kept.flatMap { KeptMergeState.decode($0, recordID: record) }?.fields == reference.fields, "seed \(seed)")
            }
        }
        print("kept merge state: \(replays.value) batches needed a replay (a left-out value became current again)")
        #expect(replays.value > 0, "the scenarios never made a left-out value current again: the fallback went untested")
    }

    @Test func replicasThatExchangedEverythingAgree() async {
        await propertyCheck(count: 200, input: Self.seeds) { seed in
            var scenario = MergeScenario(seed: seed, replicas: 4)
            scenario.run(steps: 80)
            scenario.syncAll()
            for record in scenario.records {
                let states = scenario.replicas.map { $0.state(of: record) }
                #expect(Set(states.map { $0?.values ?? [:] }).count == 1, "seed \(seed)")
                #expect(states.allSatisfy { $0 == states[0] }, "seed \(seed)")
            }
        }
    }

    @Test func everyWriteSurvivesAsACurrentVersionOrIsSupersededByOneThatSawIt() async {
        await propertyCheck(count: 200, input: Self.seeds) { seed in
            var scenario = MergeScenario(seed: seed)
            scenario.run(steps: 60)
            for record in scenario.records {
                let changes = scenario.all.filter { $0.recordID == record }
                guard let state = RecordState(changes: changes) else { continue }
                #expect(state.changeIDs == Set(changes.map(\.id)))
                for change in changes {
                    for write in change.writes {
                        let current = state.fields[write.field]?.current.map(\.change) ?? []
                        let supersededBy = changes.filter { other in
                            other.write(to: write.field)?.supersedes.contains(change.id) == true
                        }
                        #expect(current.contains(change.id) || !supersededBy.isEmpty,
                                "seed \(seed): \(write.field) of \(change.id) vanished")
                    }
                }
            }
        }
    }

    @Test func concurrentWritesOfOneFieldAlwaysConflict() async {
        await propertyCheck(count: 200, input: Self.seeds, Gen.int(in: 0...4), Gen.int(in: 0...4)) { seed, first, second in
            guard first != second else { return }
            var scenario = MergeScenario(seed: seed, replicas: 2, records: 1)
            let base = scenario.replicas[0].state(of: "record-0")?.currentVersionIDs(of: "wishes") ?? []
            let values = MergeScenario.values
            let a = Change(id: ChangeID(deviceID: "device-0", seq: 99), hlc: HLC(milliseconds: 5_000_000, counter: 0),
                           recordedAt: "2026-11-20T10:00:00.000Z", author: "user-0", recordID: "record-0",
                           recordType: .visit, caseID: "LA-1", kind: .edit,
                           writes: [FieldWrite(field: "wishes", value: values[first], supersedes: base)],
                           sealed: [], previousHash: Change.genesisHash)
            let b = Change(id: ChangeID(deviceID: "device-1", seq: 99), hlc: HLC(milliseconds: 5_000_000, counter: Int64(seed % 3)),
                           recordedAt: "2026-11-20T10:00:00.000Z", author: "user-1", recordID: "record-0",
                           recordType: .visit, caseID: "LA-1", kind: .edit,
                           writes: [FieldWrite(field: "wishes", value: values[second], supersedes: base)],
                           sealed: [], previousHash: Change.genesisHash)
            scenario.all += [a, b]
            let state = RecordState(changes: scenario.all)
            let reversed = RecordState(changes: scenario.all.reversed())
            #expect(state?.conflictedFields == ["wishes"])
            #expect(Set(state?.fields["wishes"]?.current.map(\.value) ?? []) == [values[first], values[second]])
            #expect(state?.value("wishes") == reversed?.value("wishes"))
        }
    }
}

/// Guards the properties above against vacuity: the scenarios must really produce conflicts, raced
/// edits on final records, and resolutions.
@Suite struct MergeScenarioCoverageTests {
    @Test func scenariosExerciseConflictsRacesAndResolutions() {
        var conflicted = 0, racedOnFinal = 0, resolutions = 0
        for seed in UInt64(0)..<200 {
            var scenario = MergeScenario(seed: seed)
            scenario.run(steps: 60)
            resolutions += scenario.all.filter { $0.kind == .resolve }.count
            for record in scenario.records {
                guard let state = RecordState(changes: scenario.all.filter { $0.recordID == record }) else { continue }
                if !state.conflictedFields.isEmpty { conflicted += 1 }
                if state.status == .final, state.conflictedFields.contains(where: { $0 != "status" }) { racedOnFinal += 1 }
            }
        }
        #expect(conflicted > 40)
        #expect(racedOnFinal > 5)
        #expect(resolutions > 40)
    }
}

/// A count shared by a property's runs.
private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    func add() { lock.withLock { count += 1 } }
}
