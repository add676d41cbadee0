import Foundation
import Store

/// Writes changes in their v2 form (SPEC.md §12.3) into one message, building its tables as it goes.
///
/// One encoder per message: the tables and the elided previous hashes refer to what came before in the same
/// message, so changes must be encoded in the order they are sent.
package struct V2ChangeEncoder {
    package var tables = WireTables()
    /// Leave out every hash the receiver can compute (a segment's, SPEC.md §12.6): 32 bytes a change that
    /// deflate cannot shrink, a tenth of a pull of ordinary notes.
    package var leavesOutHashes = false
    /// The last change encoded for each device: the next one of that device leaves out its previous hash
    /// when it continues from it (the receiver takes it from that change).
    private var last: [String: (seq: Int64, hash: String)] = [:]

    package init() {}

    package mutating func encode(_ change: Change, receivedAt: String? = nil, clockSkew: Int64? = nil) -> Fieldbook_V2_Change {
        var message = Fieldbook_V2_Change()
        message.device = tables.device(change.id.deviceID)
        message.seq = UInt64(change.id.seq)
        message.hlc = change.hlc.rawValue
        if let milliseconds = WireTime.milliseconds(change.recordedAt) {
            message.recordedAtMs = milliseconds
        } else {
            message.recordedAtText = change.recordedAt
        }
        message.author = tables.author(change.author)
        message.recordID = change.recordID
        message.recordType = change.recordType.rawValue
        message.caseID = change.caseID
        message.kind = change.kind.rawValue
        message.writes = change.writes.map { write in
            var out = Fieldbook_V2_Write()
            out.field = write.field
            if let value = write.value { out.value = value }
            out.supersedes = write.supersedes.map { ref($0) }
            return out
        }
        message.sealed = change.sealed.map { ref($0) }
        if !follows(change) {
            if let bytes = WireHash.bytes(change.previousHash) {
                message.previousHash = Data(bytes)
            } else {
                message.previousHashText = change.previousHash
            }
        }
        if leavesOutHashes, change.hashIsValid {
            // Left out: the receiver computes it from the change. A hash that is not the content's is sent,
            // so that the receiver keeps exactly what the peer holds.
        } else if let bytes = WireHash.bytes(change.hash) {
            message.hash = Data(bytes)
        } else {
            message.hashText = change.hash
        }
        if let receivedAt {
            if let milliseconds = WireTime.milliseconds(receivedAt) {
                message.receivedAtMs = milliseconds
            } else {
                message.receivedAtText = receivedAt
            }
        }
        message.clockSkewMs = clockSkew ?? 0
        last[change.id.deviceID] = (change.id.seq, change.hash)
        return message
    }

    /// Whether the receiver can tell `change`'s previous hash from the message: the genesis hash of a first
    /// change, or the hash of this device's change just before it, encoded last for this device.
    private func follows(_ change: Change) -> Bool {
        if change.id.seq == 1 { return change.previousHash == Change.genesisHash }
        guard let last = last[change.id.deviceID] else { return false }
        return last.seq == change.id.seq - 1 && last.hash == change.previousHash
    }

    private mutating func ref(_ id: ChangeID) -> Fieldbook_V2_Ref {
        var ref = Fieldbook_V2_Ref()
        ref.device = tables.device(id.deviceID)
        ref.seq = UInt64(id.seq)
        return ref
    }
}
