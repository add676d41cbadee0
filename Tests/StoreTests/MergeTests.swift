import Testing
@testable import Store

/// Worked examples of the merge rule (see `RecordState`).
@Suite struct MergeTests {
    private func change(_ device: String, _ seq: Int64, hlc: Int64, kind: ChangeKind = .edit,
                        _ writes: [FieldWrite], sealed: [ChangeID] = []) -> Change {
        Change(id: ChangeID(deviceID: device, seq: seq), hlc: HLC(milliseconds: hlc, counter: 0),
               recordedAt: "2026-11-20T10:00:00.000Z", author: "user-\(device)", recordID: "r1",
               recordType: .visit, caseID: "LA-1", kind: kind, writes: writes, sealed: sealed,
               previousHash: Change.genesisHash)
    }

    private let a1 = ChangeID(deviceID: "A", seq: 1)

    private var create: Change {
        change("A", 1, hlc: 100, kind: .create, [FieldWrite(field: "status", value: "draft", supersedes: []),
                                                  FieldWrite(field: "wishes", value: "original", supersedes: [])])
    }

    @Test func concurrentWritesOfOneFieldAreKeptAsAConflictWithTheSameProvisionalValue() {
        let fromA = change("A", 2, hlc: 200, [FieldWrite(field: "wishes", value: "from A", supersedes: [a1])])
        let fromB = change("B", 1, hlc: 300, [FieldWrite(field: "wishes", value: "from B", supersedes: [a1])])
        let one = RecordState(changes: [create, fromA, fromB])
        let other = RecordState(changes: [fromB, create, fromA, fromB])
        #expect(one == other)
        let wishes = one?.fields["wishes"]
        #expect(wishes?.isConflicted == true)
        #expect(wishes?.current.map(\.value) == ["from B", "from A"])
        #expect(one?.value("wishes") == "from B", "highest HLC is provisional")
        #expect(one?.conflictedFields == ["wishes"])
    }

    @Test func equalHLCsAreBrokenByDeviceID() {
        let fromA = change("A", 2, hlc: 200, [FieldWrite(field: "wishes", value: "from A", supersedes: [a1])])
        let fromB = change("B", 1, hlc: 200, [FieldWrite(field: "wishes", value: "from B", supersedes: [a1])])
        #expect(RecordState(changes: [create, fromA, fromB])?.value("wishes") == "from B")
        #expect(RecordState(changes: [fromB, fromA, create])?.value("wishes") == "from B")
    }

    @Test func writesToDifferentFieldsMergeWithoutConflict() {
        let fromA = change("A", 2, hlc: 200, [FieldWrite(field: "wishes", value: "from A", supersedes: [a1])])
        let fromB = change("B", 1, hlc: 300, [FieldWrite(field: "location", value: "school", supersedes: [])])
        let state = RecordState(changes: [create, fromB, fromA])
        #expect(state?.conflictedFields == [])
        #expect(state?.value("wishes") == "from A")
        #expect(state?.value("location") == "school")
    }

    @Test func aResolutionSupersedesEverySiblingAndKeepsThemInTheLog() {
        let fromA = change("A", 2, hlc: 200, [FieldWrite(field: "wishes", value: "from A", supersedes: [a1])])
        let fromB = change("B", 1, hlc: 300, [FieldWrite(field: "wishes", value: "from B", supersedes: [a1])])
        let resolution = change("S", 1, hlc: 400, kind: .resolve,
                                [FieldWrite(field: "wishes", value: "agreed", supersedes: [fromA.id, fromB.id])])
        let state = RecordState(changes: [resolution, fromA, create, fromB])
        #expect(state?.conflictedFields == [])
        #expect(state?.value("wishes") == "agreed")
        #expect(state?.changeIDs.count == 4)
    }

    @Test func siblingsWithTheSameValueAreNotAConflict() {
        let fromA = change("A", 2, hlc: 200, [FieldWrite(field: "wishes", value: "same", supersedes: [a1])])
        let fromB = change("B", 1, hlc: 300, [FieldWrite(field: "wishes", value: "same", supersedes: [a1])])
        let state = RecordState(changes: [create, fromA, fromB])
        #expect(state?.fields["wishes"]?.current.count == 2)
        #expect(state?.conflictedFields == [])
    }

    @Test func anEditThatRacedAFinalisationBecomesAConflictAndTheFinalValueStaysProvisional() {
        let finalise = change("A", 2, hlc: 200, kind: .finalise,
                              [FieldWrite(field: "status", value: "final", supersedes: [a1])], sealed: [a1])
        // B had only seen the creation, and edits later by the clock.
        let racing = change("B", 1, hlc: 900, [FieldWrite(field: "wishes", value: "edited offline", supersedes: [a1])])
        for order in [[create, finalise, racing], [racing, create, finalise], [finalise, racing, create]] {
            let state = RecordState(changes: order)
            #expect(state?.status == .final)
            #expect(state?.conflictedFields == ["wishes"])
            #expect(state?.value("wishes") == "original", "the sealed value stays provisional")
            #expect(state?.fields["wishes"]?.current.map(\.value) == ["original", "edited offline"])
        }
    }

    @Test func editsSeenByTheFinalisationAreSealedAndNotConflicts() {
        let edit = change("B", 1, hlc: 150, [FieldWrite(field: "wishes", value: "seen by A", supersedes: [a1])])
        let finalise = change("A", 2, hlc: 200, kind: .finalise,
                              [FieldWrite(field: "status", value: "final", supersedes: [a1])], sealed: [a1, edit.id])
        let state = RecordState(changes: [finalise, edit, create])
        #expect(state?.conflictedFields == [])
        #expect(state?.value("wishes") == "seen by A")
    }

    @Test func aResolutionThatSawTheFinalisationIsNotRaced() {
        let finalise = change("A", 2, hlc: 200, kind: .finalise,
                              [FieldWrite(field: "status", value: "final", supersedes: [a1])], sealed: [a1])
        let racing = change("B", 1, hlc: 300, [FieldWrite(field: "wishes", value: "offline", supersedes: [a1])])
        let resolve = change("S", 1, hlc: 400, kind: .resolve,
                             [FieldWrite(field: "wishes", value: "original", supersedes: [a1, racing.id])],
                             sealed: [a1, finalise.id, racing.id])
        let state = RecordState(changes: [create, finalise, racing, resolve])
        #expect(state?.conflictedFields == [])
        #expect(state?.value("wishes") == "original")
    }

    /// Issue 11 item 3: a resolution made on the draft, racing a finalisation elsewhere, is raced like an
    /// edit, whatever the order of arrival: the final record keeps its sealed value, and the resolution's
    /// value stands beside it for a supervisor (who can resolve it, having seen the finalisation).
    @Test func aResolutionRacingAFinalisationIsAConflictInEveryOrder() {
        let edit = change("B", 1, hlc: 150, [FieldWrite(field: "wishes", value: "from B", supersedes: [a1])])
        let finalise = change("A", 2, hlc: 200, kind: .finalise,
                              [FieldWrite(field: "status", value: "final", supersedes: [a1])], sealed: [a1])
        let resolve = change("S", 1, hlc: 300, kind: .resolve,
                             [FieldWrite(field: "wishes", value: "resolved", supersedes: [a1, edit.id])], sealed: [a1, edit.id])
        for order in [[create, edit, finalise, resolve], [resolve, finalise, edit, create], [create, resolve, edit, finalise]] {
            let state = RecordState(changes: order)
            #expect(state?.status == .final)
            #expect(state?.value("wishes") == "original", "the sealed value stays shown")
            #expect(state?.fields["wishes"]?.raced.map(\.value) == ["resolved"])
            #expect(state?.conflictedFields == ["wishes"])
        }
        let later = change("S", 2, hlc: 500, kind: .resolve,
                           [FieldWrite(field: "wishes", value: "original", supersedes: [a1, resolve.id])],
                           sealed: [a1, edit.id, finalise.id, resolve.id])
        let settled = RecordState(changes: [create, edit, finalise, resolve, later])
        #expect(settled?.conflictedFields == [])
        #expect(settled?.value("wishes") == "original")
    }

    /// Issue 11 item 1: an edit that raced the finalisation, to a field the record never had, is never the
    /// final record's value: it faces the sealed absence as a conflict.
    @Test func aRacedWriteToAFieldTheRecordNeverHadIsAConflictNotAValue() {
        let finalise = change("A", 2, hlc: 200, kind: .finalise,
                              [FieldWrite(field: "status", value: "final", supersedes: [a1])], sealed: [a1])
        let late = change("S", 1, hlc: 300, [FieldWrite(field: "observations", value: "late words", supersedes: [])])
        for order in [[create, finalise, late], [late, finalise, create]] {
            let state = RecordState(changes: order)
            #expect(state?.value("observations") == nil)
            #expect(state?.values["observations"] == nil)
            #expect(state?.conflictedFields == ["observations"])
            #expect(state?.fields["observations"]?.current.map(\.value) == [nil, "late words"])
            #expect(state?.fields["observations"]?.provisional?.change == finalise.id, "the absence is the finaliser's")
        }
        let deleted = change("A", 2, hlc: 200, kind: .delete,
                             [FieldWrite(field: "status", value: "deleted", supersedes: [a1]),
                              FieldWrite(field: "delete_reason", value: "duplicate", supersedes: [])], sealed: [a1])
        let afterDelete = RecordState(changes: [create, deleted, late])
        #expect(afterDelete?.value("observations") == nil)
        #expect(afterDelete?.conflictedFields == ["observations"])
    }

    /// Issue 11 item 2: two edits that each keep the visit rules can break them together; the merged
    /// record shows the fields involved as in conflict.
    @Test func mergedEditsThatBreakTheVisitRulesAreAConflict() {
        let visit = Change(id: ChangeID(deviceID: "A", seq: 1), hlc: HLC(rawValue: 100), recordedAt: "2026-11-19T10:00:00.000Z",
                           author: "sam", recordID: "r", recordType: .visit, caseID: "LA-1", kind: .create,
                           writes: [FieldWrite(field: "seen", value: "yes", supersedes: []),
                                    FieldWrite(field: "status", value: "draft", supersedes: [])],
                           sealed: [], previousHash: Change.genesisHash)
        let notSeen = Change(id: ChangeID(deviceID: "A", seq: 2), hlc: HLC(rawValue: 200), recordedAt: "2026-11-19T10:00:00.000Z",
                             author: "sam", recordID: "r", recordType: .visit, caseID: "LA-1", kind: .edit,
                             writes: [FieldWrite(field: "seen", value: "no", supersedes: [visit.id])], sealed: [], previousHash: visit.hash)
        let alone = Change(id: ChangeID(deviceID: "B", seq: 1), hlc: HLC(rawValue: 210), recordedAt: "2026-11-19T10:00:00.000Z",
                           author: "sam", recordID: "r", recordType: .visit, caseID: "LA-1", kind: .edit,
                           writes: [FieldWrite(field: "seen_alone", value: "yes", supersedes: [])], sealed: [], previousHash: Change.genesisHash)
        let state = RecordState(changes: [visit, notSeen, alone])
        #expect(state?.conflictedFields == ["seen", "seen_alone"])
        #expect(state?.fields["seen"]?.hasSiblings == false)
        #expect(state?.fields["seen_alone"]?.brokenRule?.contains("contradicts seen=no") == true)
    }

    @Test func concurrentFinaliseAndDeleteConflictOnStatus() {
        let finalise = change("A", 2, hlc: 200, kind: .finalise,
                              [FieldWrite(field: "status", value: "final", supersedes: [a1])], sealed: [a1])
        let delete = change("B", 1, hlc: 300, kind: .delete,
                            [FieldWrite(field: "status", value: "deleted", supersedes: [a1]),
                             FieldWrite(field: "delete_reason", value: "duplicate", supersedes: [])], sealed: [a1])
        let state = RecordState(changes: [delete, create, finalise])
        #expect(state?.conflictedFields == ["status"])
        #expect(state?.status == .deleted)
    }

    @Test func aForgedSupersessionCycleLeavesEveryVersionVisible() {
        let x = change("X", 1, hlc: 200, [FieldWrite(field: "wishes", value: "x", supersedes: [ChangeID(deviceID: "Y", seq: 1)])])
        let y = change("Y", 1, hlc: 300, [FieldWrite(field: "wishes", value: "y", supersedes: [ChangeID(deviceID: "X", seq: 1)])])
        let state = RecordState(changes: [x, y])
        #expect(state?.fields["wishes"]?.current.count == 2)
        #expect(state?.conflictedFields == ["wishes"])
    }
}
