import Foundation
import Store

/// A run of one case's changes in log order, framed and compressed once (SPEC.md §12.6).
///
/// The central peer seals a segment once it holds ``ProtocolLimits/segmentSealChanges`` changes (or
/// ``ProtocolLimits/segmentSealBytes`` of message), stores it, and sends the same bytes to every device the
/// case arrives on: the changes are not read, converted or deflated again per request. The changes after a
/// case's last sealed segment go in an *open* segment, built for the answer and not stored.
public struct CaseSegment: Sendable, Equatable {
    public let caseID: String
    /// The cursors of the segment's first and last change.
    public let firstCursor: UInt64
    public let lastCursor: UInt64
    public let changeCount: Int
    /// A frame (SPEC.md §4) holding a `fieldbook.v2.Segment`, compressed with the preset dictionary.
    public let frame: [UInt8]

    public init(caseID: String, firstCursor: UInt64, lastCursor: UInt64, changeCount: Int, frame: [UInt8]) {
        self.caseID = caseID
        self.firstCursor = firstCursor
        self.lastCursor = lastCursor
        self.changeCount = changeCount
        self.frame = frame
    }
}

/// A segment as a device reads it from an answer, checked (SPEC.md §12.6).
package struct ReceivedSegment {
    package let caseID: String
    package let lastCursor: UInt64
    package let changes: [DecodedChange]

    /// Reads one segment of an answer.
    ///
    /// - Parameters:
    ///   - held: the cases the device said it holds; a segment of one of them is refused.
    ///   - budget: what is left of ``ProtocolLimits/maximumSegmentBytesPerAnswer``: the frame's declared length
    ///     is taken from it before anything is inflated.
    /// - Throws: ``ProtocolError`` naming what is wrong: a frame or message out of bounds, a case not asked
    ///   the device holds, a change of another case, or anything the v2 change decoder refuses.
    package static func read(_ frame: [UInt8], held: Set<String>, budget: inout Int) throws -> ReceivedSegment {
        guard let declared = Frame.declaredLength(frame) else {
            throw ProtocolError.malformedFrame("a segment is shorter than the 8-byte frame header")
        }
        guard declared <= budget else {
            throw ProtocolError.tooLarge("the answer's segments inflate to more than \(ProtocolLimits.maximumSegmentBytesPerAnswer) bytes")
        }
        budget -= declared
        let message = try MessageCodec.decode(Fieldbook_V2_Segment.self, from: frame)
        guard !held.contains(message.caseID) else {
            throw ProtocolError.malformedMessage("a segment of case \(message.caseID) came, which this device holds already")
        }
        guard !message.changes.isEmpty, message.firstCursor <= message.lastCursor else {
            throw ProtocolError.malformedMessage("a segment of case \(message.caseID) has no changes or its cursors are reversed")
        }
        var decoder = try V2ChangeDecoder(devices: message.devices, authors: message.authors)
        decoder.computesMissingHashes = true
        var changes: [DecodedChange] = []
        changes.reserveCapacity(message.changes.count)
        for change in message.changes {
            let decoded = try decoder.decode(change)
            guard decoded.change.caseID == message.caseID else {
                throw ProtocolError.malformedMessage("segment of case \(message.caseID) holds change \(decoded.change.id) of another case")
            }
            changes.append(decoded)
        }
        return ReceivedSegment(caseID: message.caseID, lastCursor: message.lastCursor, changes: changes)
    }
}
