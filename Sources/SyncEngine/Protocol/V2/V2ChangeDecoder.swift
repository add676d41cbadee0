import Store

/// A change read from a v2 message, with what the central peer adds to it in pulls.
package struct DecodedChange: Sendable {
    package let change: Change
    /// When the peer stored it (pull answers); `nil` when the message does not say.
    package let receivedAt: String?
    /// The flagged clock skew; 0 for none.
    package let clockSkew: Int64
}

/// Reads the changes of one v2 message (SPEC.md §12.3), in message order, into exactly the ``Change`` their
/// v1 form describes.
///
/// Each change is rebuilt as its `fieldbook.v1.Change` and read by the v1 decoder, so every bound and rule
/// of SPEC.md §5 is checked by the same code for both versions, and a v2 change cannot mean anything a v1
/// change could not.
package struct V2ChangeDecoder {
    package let tables: ReceivedTables
    /// Compute a hash the message leaves out (a segment's, SPEC.md §12.6) instead of refusing the change.
    package var computesMissingHashes = false
    /// The last change read for each device index, for an elided previous hash.
    private var last: [UInt32: (seq: UInt64, hash: String)] = [:]

    package init(devices: [String], authors: [String]) throws(ProtocolError) {
        tables = try ReceivedTables(devices: devices, authors: authors)
    }

    /// - Throws: ``ProtocolError`` `malformed_message` naming the first thing out of bounds: a table index,
    ///   a hash that is not 32 bytes, an elided previous hash the message does not give, a time out of range,
    ///   or anything the v1 decoder refuses.
    package mutating func decode(_ message: Fieldbook_V2_Change) throws -> DecodedChange {
        let device = try tables.device(message.device, "a change")
        // Checked here as well as by the v1 decoder: an elided previous hash looks at seq − 1.
        guard message.seq > 0 else { throw ProtocolError.malformedMessage("a change has sequence number 0; sequence numbers start at 1") }
        let name = "change \(device):\(message.seq)"
        var v1 = Fieldbook_V1_Change()
        v1.id.deviceID = device
        v1.id.seq = message.seq
        v1.hlc = message.hlc
        v1.recordedAt = message.hasRecordedAtText ? message.recordedAtText : try WireTime.text(message.recordedAtMs, "\(name)'s recorded_at")
        v1.author = try tables.author(message.author, name)
        v1.recordID = message.recordID
        v1.recordType = message.recordType
        v1.caseID = message.caseID
        v1.kind = message.kind
        v1.writes = try message.writes.map { write in
            var out = Fieldbook_V1_FieldWrite()
            out.field = write.field
            if write.hasValue { out.value = write.value }
            out.supersedes = try write.supersedes.map { try ref($0, name) }
            return out
        }
        v1.sealed = try message.sealed.map { try ref($0, name) }
        v1.previousHash = try previousHash(of: message, name)
        let computed = computesMissingHashes && message.hash.isEmpty && !message.hasHashText
        // A placeholder, replaced below by the hash of the change's content.
        v1.hash = computed ? Change.genesisHash
            : message.hasHashText ? message.hashText : try WireHash.text(Array(message.hash), "\(name)'s hash")
        var change = try v1.decoded()
        if computed {
            change = Change(id: change.id, hlc: change.hlc, recordedAt: change.recordedAt, author: change.author,
                            recordID: change.recordID, recordType: change.recordType, caseID: change.caseID, kind: change.kind,
                            writes: change.writes, sealed: change.sealed, previousHash: change.previousHash)
        }
        last[message.device] = (message.seq, change.hash)
        let receivedAt: String?
        if message.hasReceivedAtText {
            receivedAt = message.receivedAtText
        } else {
            receivedAt = message.receivedAtMs == 0 ? nil : try WireTime.text(message.receivedAtMs, "\(name)'s received_at")
        }
        return DecodedChange(change: change, receivedAt: receivedAt, clockSkew: message.clockSkewMs)
    }

    private func previousHash(of message: Fieldbook_V2_Change, _ name: String) throws(ProtocolError) -> String {
        if message.hasPreviousHashText { return message.previousHashText }
        if !message.previousHash.isEmpty { return try WireHash.text(Array(message.previousHash), "\(name)'s previous_hash") }
        if message.seq == 1 { return Change.genesisHash }
        guard let last = last[message.device], last.seq == message.seq - 1 else {
            throw ProtocolError.malformedMessage("""
                \(name) leaves out its previous hash, but the change before it (seq \(message.seq - 1)) is not the \
                last change of its device earlier in this message
                """)
        }
        return last.hash
    }

    private func ref(_ ref: Fieldbook_V2_Ref, _ name: String) throws(ProtocolError) -> Fieldbook_V1_ChangeRef {
        var out = Fieldbook_V1_ChangeRef()
        out.deviceID = try tables.device(ref.device, "a version \(name) supersedes or seals")
        out.seq = ref.seq
        return out
    }
}
