import Crypto
import Foundation

/// The byte string a change's hash is computed over.
///
/// It is deliberately independent of any storage or wire format, so the hash of a change is the same on
/// every replica and in every protocol version. Layout (all integers big-endian):
///
/// ```
/// "FBC1"                                  magic and encoding version
/// str device_id, u64 seq, u64 hlc, str recorded_at, str author,
/// str record_id, str record_type, str case_id, str kind
/// u32 n_writes, then for each write in field-name order:
///     str field, u8 has_value (0|1), [str value], u32 n, then n × str change_id ("DEVICE:SEQ", sorted)
/// u32 n_sealed, then n × str change_id (sorted)
/// str previous_hash
/// ```
/// where `str` is a u32 byte length followed by UTF-8 bytes.
public enum CanonicalEncoding {
    public static func bytes(of change: Change) -> [UInt8] {
        var out: [UInt8] = Array("FBC1".utf8)
        // Room for the fixed part and every value at once: a visit's prose would otherwise grow it several times.
        out.reserveCapacity(change.writes.reduce(512) { $0 + ($1.value?.utf8.count ?? 0) + 64 * $1.supersedes.count + 64 }
                            + 64 * change.sealed.count)
        func u32(_ v: Int) { withUnsafeBytes(of: UInt32(truncatingIfNeeded: v).bigEndian) { out += $0 } }
        func u64(_ v: Int64) { withUnsafeBytes(of: UInt64(bitPattern: v).bigEndian) { out += $0 } }
        func str(_ s: String) { u32(s.utf8.count); out.append(contentsOf: s.utf8) }

        str(change.id.deviceID); u64(change.id.seq); u64(change.hlc.rawValue); str(change.recordedAt)
        str(change.author); str(change.recordID); str(change.recordType.rawValue); str(change.caseID)
        str(change.kind.rawValue)
        let writes = change.writes.sorted { $0.field < $1.field }
        u32(writes.count)
        for write in writes {
            str(write.field)
            if let value = write.value { out.append(1); str(value) } else { out.append(0) }
            let superseded = write.supersedes.sorted()
            u32(superseded.count)
            for id in superseded { str(id.description) }
        }
        let sealed = change.sealed.sorted()
        u32(sealed.count)
        for id in sealed { str(id.description) }
        str(change.previousHash)
        return out
    }

    /// Lowercase hex SHA-256 of ``bytes(of:)``.
    public static func hash(of change: Change) -> String {
        Hex.encode(SHA256.hash(data: bytes(of: change)))
    }
}
