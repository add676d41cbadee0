/// A set of sequence numbers as sorted, disjoint closed ranges: how a v2 device names the own changes it
/// lacks (SPEC.md §12.4). Purged cases leave gaps in runs, so ranges stay few where single numbers would not.
public struct SeqRanges: Sendable, Equatable {
    /// Sorted, disjoint and not adjacent.
    public private(set) var ranges: [ClosedRange<Int64>]

    public init() { ranges = [] }

    /// The ranges covering exactly `seqs`.
    public init(_ seqs: some Sequence<Int64>) {
        var out: [ClosedRange<Int64>] = []
        for seq in Set(seqs).sorted() {
            if let last = out.last, last.upperBound < Int64.max, last.upperBound + 1 == seq {
                out[out.count - 1] = last.lowerBound ... seq
            } else {
                out.append(seq ... seq)
            }
        }
        ranges = out
    }

    /// Reads ranges from the wire.
    ///
    /// - Throws: ``ProtocolError`` `malformed_message` for a range outside 1 … 2^63 − 1 or with `first >
    ///   last`. Ranges may come in any order and overlap: they are merged.
    package init(wire: [Fieldbook_V2_SeqRange]) throws(ProtocolError) {
        var parsed: [ClosedRange<Int64>] = []
        parsed.reserveCapacity(wire.count)
        for range in wire {
            guard range.first >= 1, range.first <= range.last, range.last <= UInt64(Int64.max) else {
                throw ProtocolError.malformedMessage("a lacking range \(range.first)…\(range.last) is not within 1 … 2^63 − 1 with first ≤ last")
            }
            parsed.append(Int64(range.first) ... Int64(range.last))
        }
        parsed.sort { $0.lowerBound < $1.lowerBound }
        var merged: [ClosedRange<Int64>] = []
        for range in parsed {
            if let last = merged.last, range.lowerBound <= last.upperBound || range.lowerBound - 1 == last.upperBound {
                merged[merged.count - 1] = last.lowerBound ... max(last.upperBound, range.upperBound)
            } else {
                merged.append(range)
            }
        }
        ranges = merged
    }

    public var isEmpty: Bool { ranges.isEmpty }

    public func contains(_ seq: Int64) -> Bool {
        var low = 0
        var high = ranges.count
        while low < high {
            let middle = (low + high) / 2
            if ranges[middle].upperBound < seq { low = middle + 1 } else { high = middle }
        }
        return low < ranges.count && ranges[low].contains(seq)
    }

    /// These ranges without `seqs`.
    public func subtracting(_ seqs: some Sequence<Int64>) -> SeqRanges {
        let removed = Set(seqs).sorted()
        guard !removed.isEmpty, !ranges.isEmpty else { return self }
        var out = SeqRanges()
        var next = 0
        for range in ranges {
            while next < removed.count, removed[next] < range.lowerBound { next += 1 }
            var start: Int64? = range.lowerBound
            while next < removed.count, removed[next] <= range.upperBound {
                let seq = removed[next]
                if let from = start, seq > from { out.ranges.append(from ... seq - 1) }
                start = seq < range.upperBound ? seq + 1 : nil
                next += 1
            }
            if let from = start { out.ranges.append(from ... range.upperBound) }
        }
        return out
    }

    package var wire: [Fieldbook_V2_SeqRange] {
        ranges.map { range in
            var out = Fieldbook_V2_SeqRange()
            out.first = UInt64(range.lowerBound)
            out.last = UInt64(range.upperBound)
            return out
        }
    }
}
