/// A record's merge state as the store keeps it beside the record (`record.merge_state`, store v10), so that
/// applying a change costs the change and the record's current registers, not a replay of its history.
///
/// **What is kept.** Everything ``RecordState`` merges from: every change id applied, the creating and latest
/// changes, the seals and what each resolution had seen, and for every version of every field its id, clock,
/// kind and the versions it supersedes. Values (and who wrote them, when) are kept only for versions that are
/// current: a superseded version's text is in the change log, and only a seal that its superseding write
/// never saw can make it current again (``RecordState/needsReplay``), in which case the record is merged
/// again from its changes.
///
/// **Why it can be trusted.** It is written in the same statement as the record's row, by every writer of
/// that row, and `verify` replays every record from its changes and compares the bytes of this encoding
/// (``StoreVerifier``). The encoding is deterministic: fields, versions, ids and sets are written sorted.
///
/// **Format** (version 1): a byte `1`; the record type and case id; a table of device ids; then change ids
/// as (device index, sequence number). Integers are LEB128 varints, strings a varint length and UTF-8.
package enum KeptMergeState {
    static let formatVersion: UInt8 = 1

    package static func encode(_ state: RecordState) -> [UInt8] {
        // A record is written by a handful of devices: a linear search beats hashing a UUID per id.
        var devices: [String] = []
        func index(_ device: String) -> Int {
            if let known = devices.firstIndex(of: device) { return known }
            devices.append(device)
            return devices.count - 1
        }
        // Device indexes are given in order of first use over sorted ids, so the bytes are deterministic.
        var body = ByteWriter()
        func id(_ change: ChangeID) {
            body.varint(UInt64(index(change.deviceID)))
            body.varint(UInt64(bitPattern: change.seq))
        }
        func ids<S: Sequence>(_ changes: S) where S.Element == ChangeID {
            let sorted = changes.sorted()
            body.varint(UInt64(sorted.count))
            for change in sorted { id(change) }
        }
        func summary(_ summary: Change.Summary?) {
            guard let summary else { return body.byte(0) }
            body.byte(1)
            id(summary.id)
            body.varint(UInt64(bitPattern: summary.hlc.rawValue))
            body.string(summary.author)
            body.string(summary.recordedAt)
        }
        ids(state.changeIDs)
        summary(state.creation)
        summary(state.lastChange)
        for sets in [state.seals, state.resolutionSightings] {
            body.varint(UInt64(sets.count))
            for (change, seen) in sets.sorted(by: { $0.key < $1.key }) {
                id(change)
                ids(seen)
            }
        }
        body.varint(UInt64(state.versions.count))
        for (field, versions) in state.versions.sorted(by: { $0.key < $1.key }) {
            // Usually one version, a few in a conflict: an array beats a set here.
            let current = state.fields[field]?.current.map(\.change) ?? []
            body.string(field)
            body.varint(UInt64(versions.count))
            for (change, version) in versions.sorted(by: { $0.key < $1.key }) {
                id(change)
                body.varint(UInt64(bitPattern: version.hlc.rawValue))
                body.byte(UInt8(ChangeKind.allCases.firstIndex(of: version.kind) ?? 0))
                ids(version.supersedes)
                guard current.contains(change) else {
                    body.byte(0)
                    continue
                }
                body.byte(version.value == nil ? 1 : 2)
                body.string(version.author)
                body.string(version.recordedAt)
                if let value = version.value { body.string(value) }
            }
        }
        var out = ByteWriter()
        out.byte(formatVersion)
        out.string(state.recordType.rawValue)
        out.string(state.caseID)
        out.varint(UInt64(devices.count))
        for device in devices { out.string(device) }
        out.bytes.append(contentsOf: body.bytes)
        return out.bytes
    }

    /// The state kept for `recordID`, or `nil` if the bytes are not a kept state of this format (the caller
    /// then merges the record from its changes, and `verify` reports the difference).
    ///
    /// - Parameter merging: `false` when the caller applies changes to the state at once, which merges its
    ///   registers anyway; its ``RecordState/fields`` are empty until then.
    package static func decode(_ bytes: [UInt8], recordID: String, merging: Bool = true) -> RecordState? {
        var reader = ByteReader(bytes)
        guard reader.byte() == formatVersion,
              let type = reader.string().flatMap(RecordType.init(rawValue:)),
              let caseID = reader.string(),
              let deviceCount = reader.count()
        else { return nil }
        var devices: [String] = []
        for _ in 0..<deviceCount {
            guard let device = reader.string() else { return nil }
            devices.append(device)
        }
        func id() -> ChangeID? {
            guard let index = reader.varint(), index < UInt64(devices.count), let seq = reader.varint() else { return nil }
            return ChangeID(deviceID: devices[Int(index)], seq: Int64(bitPattern: seq))
        }
        func ids() -> [ChangeID]? {
            guard let count = reader.count() else { return nil }
            var result: [ChangeID] = []
            for _ in 0..<count {
                guard let next = id() else { return nil }
                result.append(next)
            }
            return result
        }
        func summary() -> Change.Summary?? {
            switch reader.byte() {
            case 0: return .some(nil)
            case 1:
                guard let change = id(), let hlc = reader.varint(), let author = reader.string(),
                      let recordedAt = reader.string() else { return nil }
                return Change.Summary(id: change, hlc: HLC(rawValue: Int64(bitPattern: hlc)), author: author, recordedAt: recordedAt)
            default: return nil
            }
        }
        var state = RecordState(recordID: recordID, recordType: type, caseID: caseID)
        guard let changeIDs = ids(), let creation = summary(), let lastChange = summary() else { return nil }
        state.changeIDs = Set(changeIDs)
        state.creation = creation
        state.lastChange = lastChange
        var sets: [[ChangeID: Set<ChangeID>]] = []
        for _ in 0..<2 {
            guard let count = reader.count() else { return nil }
            var entries: [ChangeID: Set<ChangeID>] = [:]
            for _ in 0..<count {
                guard let change = id(), let seen = ids() else { return nil }
                entries[change] = Set(seen)
            }
            sets.append(entries)
        }
        state.seals = sets[0]
        state.resolutionSightings = sets[1]
        guard let fieldCount = reader.count() else { return nil }
        for _ in 0..<fieldCount {
            guard let field = reader.string(), let versionCount = reader.count() else { return nil }
            var versions: [ChangeID: FieldVersion] = [:]
            for _ in 0..<versionCount {
                guard let change = id(), let hlc = reader.varint(), let kindIndex = reader.byte(),
                      Int(kindIndex) < ChangeKind.allCases.count, let supersedes = ids(), let presence = reader.byte()
                else { return nil }
                var value: String?
                var author = ""
                var recordedAt = ""
                switch presence {
                case 0: state.valuesLeftOut[field, default: []].insert(change)
                case 1, 2:
                    guard let writer = reader.string(), let at = reader.string() else { return nil }
                    author = writer
                    recordedAt = at
                    if presence == 2 {
                        guard let text = reader.string() else { return nil }
                        value = text
                    }
                default: return nil
                }
                versions[change] = FieldVersion(change: change, value: value, hlc: HLC(rawValue: Int64(bitPattern: hlc)),
                                                author: author, recordedAt: recordedAt,
                                                kind: ChangeKind.allCases[Int(kindIndex)], supersedes: supersedes)
            }
            state.versions[field] = versions
        }
        guard reader.isAtEnd else { return nil }
        if merging { state.recompute() }
        return state
    }
}

/// Appends bytes: what ``KeptMergeState`` writes with.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func byte(_ value: UInt8) { bytes.append(value) }

    mutating func varint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    mutating func string(_ text: String) {
        let utf8 = text.utf8
        varint(UInt64(utf8.count))
        bytes.append(contentsOf: utf8)
    }
}

/// Reads what ``ByteWriter`` wrote; every read is bounded by the bytes left and answers `nil` past them.
struct ByteReader {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { offset == bytes.count }

    mutating func byte() -> UInt8? {
        guard offset < bytes.count else { return nil }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func varint() -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while let next = byte() {
            guard shift < 64 else { return nil }
            value |= UInt64(next & 0x7f) << shift
            if next & 0x80 == 0 { return value }
            shift += 7
        }
        return nil
    }

    /// A count: a varint no larger than the bytes left, so a corrupt count cannot make a reader
    /// allocate or loop beyond the input.
    mutating func count() -> Int? {
        guard let value = varint(), value <= UInt64(bytes.count - offset) else { return nil }
        return Int(value)
    }

    mutating func string() -> String? {
        guard let length = count() else { return nil }
        defer { offset += length }
        return String(decoding: bytes[offset..<offset + length], as: UTF8.self)
    }
}
