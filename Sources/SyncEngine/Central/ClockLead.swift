import Store
import SyncProtocol

/// How far ahead of the central peer's clock a pushed change's HLC may be (SPEC.md §6.5, rule 6a).
///
/// The HLC decides which sibling of a conflict is shown, and every device's clock moves past every HLC it
/// receives. A change from a clock far ahead would therefore win every provisional value it touches, pull
/// every device's clock forward with it, and, near the top of the HLC's range, leave the next change anyone
/// makes on its case without a valid clock. Such a change is quarantined with the reason instead: kept, not
/// dropped, and not spread.
struct ClockLead {
    /// The highest HLC admitted: the peer's clock plus ``ProtocolLimits/maximumClockLead``.
    let ceiling: HLC
    let peerMilliseconds: Int64

    init(peerMilliseconds: Int64) {
        self.peerMilliseconds = peerMilliseconds
        let (limit, overflow) = peerMilliseconds.addingReportingOverflow(ProtocolLimits.maximumClockLead)
        ceiling = HLC(milliseconds: overflow ? HLC.maximumMilliseconds : limit, counter: 0xFFFF)
    }

    /// Why `hlc` is refused, or `nil` if it is within the allowance.
    func refusal(of hlc: HLC) -> String? {
        guard hlc > ceiling else { return nil }
        let lead = ClockSkew.difference(hlc.milliseconds, peerMilliseconds)
        return """
            its clock reads \(Timestamp.iso8601(milliseconds: hlc.milliseconds)), \(ClockSkew.words(lead)) of the central \
            peer's; a change may be at most 7 days ahead: set this device's clock right
            """
    }
}
