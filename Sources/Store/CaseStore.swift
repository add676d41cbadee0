import Foundation
package import GRDB

/// A worker's local case store: one SQLite file (WAL, synchronous=FULL) holding the change log and the
/// merged records.
///
/// Every mutation runs in one transaction that appends its change to the device's hash chain and saves the
/// record's new merged state; when a method throws, nothing was written. Concurrent processes on the same
/// file are serialised by SQLite.
public final class CaseStore: Sendable {
    /// The store file.
    public let path: String
    /// This store's device id, fixed when the file was created.
    public let deviceID: String
    /// The user new changes are attributed to.
    public let author: String

    let pool: DatabasePool
    let clock: @Sendable () -> Date
    let timeZone: TimeZone

    /// Opens the store at `path`, creating it (and its folder) on first use and upgrading an older schema.
    /// A new store file is readable only by its owner, and so are its `-wal` and `-shm` files and any
    /// folder made for it (``PrivateFiles``): it holds children's records.
    ///
    /// - Parameters:
    ///   - author: the user new changes are attributed to.
    ///   - clock: the wall clock; tests pass a fixed one.
    ///   - timeZone: the zone in which times typed without a zone are read.
    ///   - durability: `.full` (the default) syncs every commit to disk; `.normal` is for simulations
    ///     that make thousands of throwaway stores.
    public convenience init(path: String, author: String, clock: @escaping @Sendable () -> Date = { Date() },
                            timeZone: TimeZone = .current, durability: Durability = .full) throws {
        try self.init(path: path, author: author, clock: clock, timeZone: timeZone, durability: durability,
                      extraMigrations: { _ in }, spansAccesses: false)
    }

    /// Opens the store as ``init(path:author:clock:timeZone:durability:)`` does, for a layer that keeps its
    /// own tables beside the store's (the central peer's SQLite storage), with two more parameters.
    ///
    /// - Parameters:
    ///   - extraMigrations: migrations run after the store's own.
    ///   - spansAccesses: a transaction may stay open from one access to the database to the next (the
    ///     central peer's intake, whose statements are awaited one by one); the caller then ends every
    ///     transaction it begins.
    package init(path: String, author: String, clock: @escaping @Sendable () -> Date = { Date() },
                 timeZone: TimeZone = .current, durability: Durability = .full,
                 extraMigrations: (inout DatabaseMigrator) -> Void, spansAccesses: Bool) throws {
        guard Self.isValidUserName(author) else { throw StoreError.invalidAuthor(author) }
        let folder = PrivateFiles.folder(containing: path)
        if !folder.isEmpty {
            do {
                try PrivateFiles.createFolder(atPath: folder)
            } catch {
                throw StoreError.storeUnreadable(path: path, reason: "cannot create folder \(folder)")
            }
        }
        do {
            try PrivateFiles.createFile(atPath: path)
        } catch {
            throw StoreError.storeUnreadable(path: path, reason: "cannot create the file (\(error.localizedDescription))")
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.allowsUnsafeTransactions = spansAccesses
        configuration.prepareDatabase { db in
            // Durability over speed: a note is on disk when the command returns.
            try db.execute(sql: "PRAGMA synchronous = \(durability.rawValue)")
            try DiskFull.applyInjectedFault(db)
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try StoreMigrations.migrate(pool, extra: extraMigrations)
            deviceID = try pool.write { db in
                if let existing = try String.fetchOne(db.cachedStatement(sql: "SELECT value FROM store_meta WHERE key = 'device_id'")) {
                    return existing
                }
                let id = UUID().uuidString.lowercased()
                try db.cachedStatement(sql: "INSERT INTO store_meta (key, value) VALUES ('device_id', ?)").execute(arguments: [id])
                return id
            }
        } catch let error as DatabaseError where DiskFull.matches(error) {
            throw StoreError.storeUnreadable(path: path, reason: "the disk is full; free some space and try again")
        } catch let error as DatabaseError {
            throw StoreError.storeUnreadable(path: path, reason: error.message ?? "\(error.resultCode)")
        }
        self.path = path
        self.author = author
        self.clock = clock
        self.timeZone = timeZone
    }

    /// The same store file, with changes from now on attributed to `author` (after enrolment).
    public func reopened(as author: String) throws -> CaseStore {
        try CaseStore(path: path, author: author, clock: clock, timeZone: timeZone)
    }

    /// How hard SQLite works to keep each commit on disk.
    public enum Durability: String, Sendable {
        case full = "FULL"
        case normal = "NORMAL"
    }

    /// The database, for layers that keep their own tables beside the store's (the central peer).
    package var database: DatabasePool { pool }

    /// Whether `name` can attribute changes: 1 to 64 letters, digits, `.`, `_`, `-` or `@`.
    public static func isValidUserName(_ name: String) -> Bool {
        (1...64).contains(name.count)
            && name.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "._-@".unicodeScalars.contains($0) }
    }

    /// The migrations applied to this store, oldest first.
    public func appliedMigrations() throws -> [String] {
        try pool.read { db in try StoreMigrations.migrator.appliedIdentifiers(db).sorted() }
    }

    var valueContext: ValueContext { ValueContext(now: clock(), timeZone: timeZone) }

    // MARK: - Writing a change

    /// Appends one change by this device and saves the record's new state, inside the caller's transaction.
    /// Every local mutation passes here, so every one is judged by ``ChangePolicy`` first.
    ///
    /// - Parameter base: the record's state before the change (`nil` for a new record).
    @discardableResult
    func append(_ db: Database, base: RecordState?, recordID: String, type: RecordType, caseID: String,
                kind: ChangeKind, writes: [FieldWrite], sealed: [ChangeID] = []) throws -> Change {
        let head = try ChangeLog.head(of: deviceID, db)
        let now = clock()
        let hlc = HLC.next(after: try ChangeLog.latestHLC(db), wallMilliseconds: Timestamp.milliseconds(now))
        let change = Change(
            id: ChangeID(deviceID: deviceID, seq: (head?.seq ?? 0) + 1), hlc: hlc,
            recordedAt: Timestamp.iso8601(milliseconds: Timestamp.milliseconds(now)), author: author,
            recordID: recordID, recordType: type, caseID: caseID, kind: kind, writes: writes, sealed: sealed,
            previousHash: head?.hash ?? Change.genesisHash)
        // The one policy (the central peer asks it too): a change it refuses is never written.
        if let refusal = try ChangePolicy.check(change, role: try role(db), access: .allocated, record: base,
                                                target: { try StoredRecord.snapshot(of: $0, db) }) {
            throw try refused(change, refusal, db)
        }
        try ChangeLog.insert(change, db)
        var state = base ?? RecordState(recordID: recordID, recordType: type, caseID: caseID)
        state.apply(change)
        if state.needsReplay, let replayed = try StoredRecord.replay(recordID, db) { state = replayed }
        try RecordProjection(state).save(db)
        return change
    }

    /// The enrolled user's role; `nil` before enrolment. A device holds only cases its user may see, so
    /// its access to any case it holds counts as allocated.
    func role(_ db: Database) throws -> ChangePolicy.Role? {
        try SyncState.load(db).role.flatMap(ChangePolicy.Role.init(rawValue:))
    }

    /// Refuses `operation` on `state` as ``ChangePolicy`` would refuse its change, before anything else is
    /// asked or checked.
    func authorize(_ operation: ChangePolicy.Operation, _ state: RecordState, _ db: Database) throws {
        if let refusal = ChangePolicy.check(operation, on: state, by: author, role: try role(db), access: .allocated) {
            throw try refused(state.recordID, refusal, db)
        }
    }

    /// The policy's refusal as the user sees it: naming the record they acted on (an amendment's target),
    /// with the command that corrects a final record.
    private func refused(_ change: Change, _ refusal: ChangePolicy.Refusal, _ db: Database) throws -> StoreError {
        // What the user acted on: an amendment's target; for anything new, its case.
        let named = change.recordType == .amendment ? change.write(to: "target_id")?.value ?? change.recordID
            : change.kind == .create ? change.caseID : change.recordID
        return try refused(named, refusal, db)
    }

    private func refused(_ named: String, _ refusal: ChangePolicy.Refusal, _ db: Database) throws -> StoreError {
        if refusal.rule == .status, refusal.reason.hasPrefix("it is final") {
            let reference = try uniquePrefix(of: named, db)
            return .notEditable(id: named, reason: "it is final; correct it with: amend \(reference) reason=... key=value")
        }
        return .notEditable(id: named, reason: refusal.reason)
    }

    /// The merged state of a record, replayed from its changes.
    func state(of recordID: String, _ db: Database) throws -> RecordState? {
        try StoredRecord.state(of: recordID, db)
    }
}

/// Reading a record's merged state inside a transaction, for layers that keep their own tables beside the
/// store's (the central peer's admission judges each change against it).
public enum StoredRecord {
    /// The record's merged state: the state kept beside its row (``KeptMergeState``), or, for a row saved
    /// before store v10, a replay of its changes.
    package static func state(of recordID: String, _ db: Database) throws -> RecordState? {
        switch try kept(recordID, db) {
        case .kept(let state): return state
        case .absent: return nil
        case .unknown: return try replay(recordID, db)
        }
    }

    /// What the store keeps of a record's merge.
    enum Kept {
        /// The record has no row: no change that takes part in its merge has been stored.
        case absent
        case kept(RecordState)
        /// The row keeps no usable merge state (saved before store v10, or unreadable): replay its changes.
        case unknown
    }

    /// - Parameter merging: `false` when the caller applies changes at once (see ``KeptMergeState/decode``).
    static func kept(_ recordID: String, merging: Bool = true, _ db: Database) throws -> Kept {
        let statement = try db.cachedStatement(sql: "SELECT merge_state FROM record WHERE id = ?")
        guard let row = try Row.fetchOne(statement, arguments: [recordID]) else { return .absent }
        guard let bytes = row[0] as Data?,
              let state = KeptMergeState.decode([UInt8](bytes), recordID: recordID, merging: merging), !state.needsReplay
        else { return .unknown }
        return .kept(state)
    }

    /// The record merged from every change of it that takes part in its merge: the reference the kept state
    /// is checked against, and the way back when the kept state cannot be used.
    static func replay(_ recordID: String, _ db: Database) throws -> RecordState? {
        RecordState(changes: try ChangeLog.changes(ofRecord: recordID, db))
    }

    /// The record with its amendments, or `nil` if no change made it.
    package static func snapshot(of recordID: String, _ db: Database) throws -> RecordSnapshot? {
        guard let state = try state(of: recordID, db) else { return nil }
        return try RecordSnapshot.load(state, db)
    }

    /// Saves the merged state of each record again from the changes that take part in its merge, or
    /// removes its row when none does (its creation was quarantined).
    static func remerge<IDs: Sequence>(_ recordIDs: IDs, _ db: Database) throws where IDs.Element == String {
        for recordID in Set(recordIDs).sorted() {
            // From the log, never the kept state: a remerge follows a change in which changes take part.
            if let state = try replay(recordID, db) {
                try RecordProjection(state).save(db)
            } else {
                try db.cachedStatement(sql: "DELETE FROM record WHERE id = ?").execute(arguments: [recordID])
            }
        }
    }

    /// The record as the author of `finalisation` saw it: merged from the changes it seals.
    package static func state(sealedBy finalisation: Change, _ db: Database) throws -> RecordState? {
        let seal = Set(finalisation.sealed)
        return RecordState(changes: try ChangeLog.changes(ofRecord: finalisation.recordID, db).filter { seal.contains($0.id) })
    }
}
