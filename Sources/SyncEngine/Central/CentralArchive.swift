import SyncProtocol
/// Moving a council's central storage from one engine to another (`fieldbook admin migrate`): every table
/// row by row, and the log change by change with the same cursors, so that every device's pull position,
/// token and chain stays valid on the new engine.
///
/// Segments are not moved (they are built again from the log on demand), nor the replica's derived
/// tables: the target merges each record from the log as it imports it.
public protocol CentralArchiving: CentralStorage {
    /// Whether the storage holds nothing yet: a migration never writes over a council's data.
    func isEmpty() async throws -> Bool
    /// Rows of `table` after the row whose key columns hold `after` (from the first when `nil`), in key
    /// order, at most `limit`; each row holds every one of the table's ``ArchivedTable/columns``.
    func exportRows(of table: ArchivedTable, after: [ArchiveValue]?, limit: Int) async throws -> [ArchiveRow]
    /// Inserts rows exported from another storage, keeping every column (ids included).
    func importRows(_ rows: [ArchiveRow], into table: ArchivedTable) async throws
    /// The log after `cursor`, in cursor order, at most `limit`, each with its received time and skew.
    func exportLog(after cursor: UInt64, limit: Int) async throws -> [LoggedChange]
    /// Appends logged changes with their own cursors and times (above every cursor present), merging each
    /// into its record.
    func importLog(_ entries: [LoggedChange]) async throws
    /// Makes `id` this storage's ``CentralStorage/peerDeviceID()``, so that the peer's own chain continues.
    func importPeerDeviceID(_ id: String) async throws
}

/// One value of an archived row.
public enum ArchiveValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case text(String)
    case blob([UInt8])
}

/// A row by column name.
public typealias ArchiveRow = [String: ArchiveValue]

/// The tables a migration moves, with the columns both engines keep under the same names, declared in the
/// order they are imported (users and devices before the rows that name them).
public enum ArchivedTable: String, CaseIterable, Sendable {
    case users = "central_user"
    case enrolmentCodes = "central_enrolment"
    case devices = "central_device"
    case chains = "central_chain"
    case allocations = "central_allocation"
    case custody = "central_custody"
    case pullAudit = "central_pull_audit"
    case rules = "central_rules"
    case quarantine = "central_quarantine"
    case enrolmentFailures = "central_enrolment_failure"

    public var name: String { rawValue }

    public var columns: [String] {
        switch self {
        case .users: return ["name", "role", "team", "created_at"]
        case .enrolmentCodes: return ["code_hash", "user", "created_at", "expires_at", "used_at", "device_id"]
        case .devices: return ["device_id", "user", "name", "token_hash", "enrolled_at", "revoked_at", "last_seen_at"]
        case .chains: return ["device_id", "seq", "hash"]
        case .allocations: return ["id", "case_id", "worker", "from_at", "to_at", "reason", "by_user"]
        case .custody: return ["device_id", "case_id", "first_sent_at", "last_sent_at", "purge_requested_at", "purged_at"]
        case .pullAudit: return ["id", "at", "device_id", "user", "case_id", "changes"]
        case .rules: return ["version", "document", "changed_at", "changed_by", "change"]
        case .quarantine:
            return ["id", "device_id", "seq", "author", "case_id", "record_id", "change", "pushed_by", "reason", "received_at",
                    "state", "resolved_by", "resolved_at", "note"]
        case .enrolmentFailures: return ["address", "failures", "last_failure"]
        }
    }

    /// The columns rows are ordered and paged by: the table's primary key.
    public var key: [String] {
        switch self {
        case .users: return ["name"]
        case .enrolmentCodes: return ["code_hash"]
        case .devices, .chains: return ["device_id"]
        case .allocations, .pullAudit, .quarantine: return ["id"]
        case .custody: return ["device_id", "case_id"]
        case .rules: return ["version"]
        case .enrolmentFailures: return ["address"]
        }
    }
}
