internal import GRDB

/// What a sync brought that its user should hear about, beyond the counts: the cases that came or went,
/// oversight written on them, amendments and changes by others, and records now in conflict.
///
/// Gathered from the changes each pulled batch actually added (never from echoes of this device's own
/// changes, nor from a change already held), inside the batch's transaction, so the digest describes
/// exactly what was applied. Each list keeps its first ``sampleLimit`` entries; the counts are complete.
public struct SyncArrivals: Sendable, Equatable {
    /// How many examples a list keeps (a first sync of a supervisor brings thousands).
    public static let sampleLimit = 8

    /// A count and the first few things it counted.
    public struct Tally: Sendable, Equatable {
        public private(set) var count = 0
        public private(set) var samples: [String] = []

        /// Counts one more; its description joins the samples unless an equal one is there already
        /// (two oversight entries on LA-1 by priya count two, and show once).
        mutating func add(_ sample: String) {
            count += 1
            if samples.count < SyncArrivals.sampleLimit && !samples.contains(sample) { samples.append(sample) }
        }

        mutating func merge(_ other: Tally) {
            count += other.count
            for sample in other.samples where samples.count < SyncArrivals.sampleLimit && !samples.contains(sample) {
                samples.append(sample)
            }
        }

        init() {}

        init(unique items: Set<String>) {
            count = items.count
            samples = Array(items.sorted().prefix(SyncArrivals.sampleLimit))
        }
    }

    /// Cases whose own record arrived: new to this device (first sync, or newly allocated).
    public var newCases = Tally()
    /// Cases whose worker changed: `LA-1005 to sam.okafor`.
    public var reallocations = Tally()
    /// Oversight entries written by others: `LA-1006 by priya.shah`.
    public var oversight = Tally()
    /// Amendments written by others: `LA-1005 by ana.silva`.
    public var amendments = Tally()
    /// Visits and notes others created on cases this device holds: `visit on LA-1010 by lee.ward`.
    public var recordsByOthers = Tally()
    /// Edits, finalisations, deletions and resolutions by others of records this user created.
    public var changesToYourRecords = Tally()
    /// Changes this user made on another device (a second laptop).
    public var fromYourOtherDevices = 0
    /// Records the sync touched that are in conflict after it (short ids), each once however many
    /// batches touched it.
    public var conflictedRecords: Set<String> = []
    /// ``conflictedRecords`` as a count and the first few.
    public var conflicted: Tally { Tally(unique: conflictedRecords) }

    public init() {}

    public var isEmpty: Bool { self == SyncArrivals() }

    public mutating func merge(_ other: SyncArrivals) {
        newCases.merge(other.newCases)
        reallocations.merge(other.reallocations)
        oversight.merge(other.oversight)
        amendments.merge(other.amendments)
        recordsByOthers.merge(other.recordsByOthers)
        changesToYourRecords.merge(other.changesToYourRecords)
        fromYourOtherDevices += other.fromYourOtherDevices
        conflictedRecords.formUnion(other.conflictedRecords)
    }

    /// The digest of `fresh`, changes just applied to this store, for `user` on device `deviceID`.
    static func of(_ fresh: [Change], user: String, deviceID: String, _ db: Database) throws -> SyncArrivals {
        var arrivals = SyncArrivals()
        var creators: [String: String?] = [:]
        func creator(of recordID: String) throws -> String? {
            if let known = creators[recordID] { return known }
            let author = try String.fetchOne(try db.cachedStatement(sql: "SELECT created_by FROM record WHERE id = ?"), arguments: [recordID])
            creators[recordID] = author
            return author
        }
        for change in fresh where change.id.deviceID != deviceID {
            if change.author == user {
                arrivals.fromYourOtherDevices += 1
                continue
            }
            switch (change.recordType, change.kind) {
            case (.case, .create):
                arrivals.newCases.add(change.caseID)
            case (.case, _):
                if let worker = change.writes.first(where: { $0.field == "worker" })?.value {
                    arrivals.reallocations.add("\(change.caseID) to \(worker)")
                }
            case (.oversight, .create):
                arrivals.oversight.add("\(change.caseID) by \(change.author)")
            case (.amendment, .create):
                arrivals.amendments.add("\(change.caseID) by \(change.author)")
            case (.visit, .create), (.note, .create):
                arrivals.recordsByOthers.add("\(change.recordType.rawValue) on \(change.caseID) by \(change.author)")
            case (.visit, _), (.note, _):
                if try creator(of: change.recordID) == user {
                    arrivals.changesToYourRecords.add("\(change.recordType.rawValue) \(change.recordID.prefix(13)) (\(change.kind.rawValue) by \(change.author))")
                }
            default:
                break
            }
        }
        // One query for the batch, not one per record: a first sync brings thousands.
        let touched = Array(Set(fresh.map(\.recordID)))
        let conflicted = try String.fetchAll(db.cachedStatement(sql: """
            SELECT id FROM record WHERE id IN (SELECT value FROM json_each(?)) AND conflicts IS NOT NULL AND conflicts != ''
            """), arguments: [try JSONCoding.string(touched)])
        arrivals.conflictedRecords.formUnion(conflicted.map { String($0.prefix(13)) })
        return arrivals
    }
}
