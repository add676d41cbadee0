import Store
import SwiftProtobuf

/// Converting changes to and from their wire form, with every bound checked on the way in.
extension Fieldbook_V1_Change {
    public init(_ change: Change, receivedAt: String? = nil) {
        self.init()
        id = Fieldbook_V1_ChangeRef(change.id)
        hlc = change.hlc.rawValue
        recordedAt = change.recordedAt
        author = change.author
        recordID = change.recordID
        recordType = change.recordType.rawValue
        caseID = change.caseID
        kind = change.kind.rawValue
        writes = change.writes.map { write in
            var message = Fieldbook_V1_FieldWrite()
            message.field = write.field
            if let value = write.value { message.value = value }
            message.supersedes = write.supersedes.map(Fieldbook_V1_ChangeRef.init)
            return message
        }
        sealed = change.sealed.map(Fieldbook_V1_ChangeRef.init)
        previousHash = change.previousHash
        hash = change.hash
        if let receivedAt { self.receivedAt = receivedAt }
    }

    /// The change this message describes, keeping the hash it claims (the receiver checks it).
    ///
    /// - Throws: ``ProtocolError`` naming the first field out of bounds or unknown.
    public func decoded() throws -> Change {
        func short(_ text: String, _ name: String, allowEmpty: Bool = false) throws -> String {
            guard allowEmpty || !text.isEmpty else { throw ProtocolError.malformedMessage("a change has no \(name)") }
            guard text.utf8.count <= ProtocolLimits.maximumShortString else {
                throw ProtocolError.malformedMessage("a change's \(name) is longer than \(ProtocolLimits.maximumShortString) bytes")
            }
            return text
        }
        guard hasID else { throw ProtocolError.malformedMessage("a change has no id") }
        let changeID = try id.decoded()
        guard let type = RecordType(rawValue: recordType) else {
            throw ProtocolError.malformedMessage("change \(changeID) has an unknown record type '\(recordType.prefix(40))'")
        }
        guard let changeKind = ChangeKind(rawValue: kind) else {
            throw ProtocolError.malformedMessage("change \(changeID) has an unknown kind '\(kind.prefix(40))'")
        }
        guard writes.count <= ProtocolLimits.maximumWritesPerChange, sealed.count <= ProtocolLimits.maximumVersionList else {
            throw ProtocolError.malformedMessage("change \(changeID) writes or seals more than the protocol allows")
        }
        let fieldWrites = try writes.map { write -> FieldWrite in
            guard write.supersedes.count <= ProtocolLimits.maximumVersionList else {
                throw ProtocolError.malformedMessage("change \(changeID) supersedes too many versions")
            }
            guard !write.hasValue || write.value.utf8.count <= ProtocolLimits.maximumValueBytes else {
                throw ProtocolError.malformedMessage("change \(changeID) writes more than \(ProtocolLimits.maximumValueBytes) bytes to \(write.field.prefix(40))")
            }
            return FieldWrite(field: try short(write.field, "field name"), value: write.hasValue ? write.value : nil,
                              supersedes: try write.supersedes.map { try $0.decoded() })
        }
        // A clock reading before 1970 comes from no real device (found by reading after a fuzzing run).
        guard hlc > 0 else { throw ProtocolError.malformedMessage("change \(changeID) has no valid hlc (\(hlc))") }
        return Change(id: changeID, hlc: HLC(rawValue: hlc), recordedAt: try short(recordedAt, "recorded_at"),
                      author: try short(author, "author"), recordID: try short(recordID, "record_id"),
                      recordType: type, caseID: try short(caseID, "case_id"), kind: changeKind, writes: fieldWrites,
                      sealed: try sealed.map { try $0.decoded() }, previousHash: try short(previousHash, "previous_hash"),
                      claimedHash: try short(hash, "hash"))
    }
}

extension Change {
    /// How many list elements the change brings to a message (itself, its writes, their superseded ids and
    /// its seal): what ``ProtocolLimits/maximumMessageElements`` counts, so that senders can keep a batch
    /// within it.
    public var wireElements: Int {
        1 + writes.count + writes.reduce(0) { $0 + $1.supersedes.count } + sealed.count
    }
}

extension Fieldbook_V1_ChangeRef {
    public init(_ id: ChangeID) {
        self.init()
        deviceID = id.deviceID
        seq = UInt64(id.seq)
    }

    public func decoded() throws -> ChangeID {
        guard !deviceID.isEmpty, deviceID.utf8.count <= ProtocolLimits.maximumShortString, !deviceID.contains(":") else {
            throw ProtocolError.malformedMessage("a change reference has a missing or malformed device id")
        }
        guard seq > 0, seq <= UInt64(Int64.max) else {
            throw ProtocolError.malformedMessage("a change reference has sequence number \(seq); sequence numbers start at 1")
        }
        return ChangeID(deviceID: deviceID, seq: Int64(seq))
    }
}

/// Serialising and parsing framed messages.
public enum MessageCodec {
    public static func encode(_ message: some SwiftProtobuf.Message, compress: Bool = true) throws -> [UInt8] {
        try Frame.encode(try message.serializedBytes(), compress: compress)
    }

    /// Parses a framed body as `M`, refusing anything malformed or beyond the protocol's limits with a
    /// ``ProtocolError``. The limits are checked before the message is built: its inflated size by the
    /// frame (``BoundedMessage/maximumMessageBytes``), its lists on the wire (``BoundedMessage/wireShape``).
    public static func decode<M: BoundedMessage>(_ type: M.Type, from body: [UInt8]) throws -> M {
        let bytes = try Frame.decode(body, maximumMessageBytes: M.maximumMessageBytes)
        try M.wireShape.check(bytes)
        do {
            return try M(serializedBytes: bytes)
        } catch {
            throw ProtocolError.malformedMessage("the body is not a valid \(M.protoMessageName) message")
        }
    }
}
