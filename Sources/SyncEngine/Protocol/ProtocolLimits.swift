/// Every bound the protocol puts on what crosses the network (Protocol/SPEC.md §7). Each is checked before
/// memory is committed to the thing it bounds.
public enum ProtocolLimits {
    /// The highest protocol version this code speaks (SPEC.md §9, §12): the peer serves `/v1/` and `/v2/`.
    public static let version: UInt32 = 2
    /// Largest request or response body on the wire.
    public static let maximumBodyBytes = 8 * 1024 * 1024
    /// Largest message after inflation (the frame header's declared length).
    public static let maximumMessageBytes = 32 * 1024 * 1024
    /// Changes in one push.
    public static let maximumPushChanges = 1000
    /// Changes in one pull response.
    public static let maximumPullChanges = 2000
    /// A device clock further than this from the peer's (milliseconds) gets its pushed changes flagged with
    /// the difference (SPEC.md §3.10). Five minutes: more than network delay and ordinary drift.
    public static let clockSkewTolerance: Int64 = 5 * 60 * 1000
    /// A pull answer stops adding changes past this many message bytes (at least one change is sent).
    public static let maximumPullMessageBytes = 4 * 1024 * 1024
    /// A case's segment (SPEC.md §12.6) is sealed, and stored for every later device, once it holds this
    /// many changes or ``segmentSealBytes`` of message, whichever comes first. The changes after a case's last
    /// sealed segment are deflated for each answer, so fewer per segment means less work per device; and
    /// since deflate looks back only 32 KiB, 64 changes of a few KB each compress about as well as more.
    public static let segmentSealChanges = 64
    public static let segmentSealBytes = 1024 * 1024
    /// Segments in one v2 answer.
    public static let maximumSegmentsPerAnswer = 256
    /// The messages of an answer's segments together, after inflation: a receiver adds up the lengths their
    /// frames declare and refuses more before inflating any.
    public static let maximumSegmentBytesPerAnswer = 32 * 1024 * 1024
    /// Held or purged case ids in one pull request.
    public static let maximumCaseIDs = 10_000
    /// Entries in each of a v2 message's tables of device ids and authors (SPEC.md §12.2). A table holds
    /// each value once, and a message has at most 2 000 changes; this leaves room for every device a
    /// council could have while keeping a hostile table from costing more than its elements.
    public static let maximumTableEntries = 65_536
    /// Ranges of own changes a device lacks, in one v2 sync request (SPEC.md §12.4). A device with more
    /// gaps than this asks for all its own changes instead (`all_own`).
    public static let maximumLackingRanges = 10_000
    /// Field writes in one change; supersession and seal lists.
    public static let maximumWritesPerChange = 64
    public static let maximumVersionList = 4096
    /// Bytes in one field value (the same bound the store puts on typed input).
    public static let maximumValueBytes = 64 * 1024
    /// Bytes in an identifier, name, hash or timestamp.
    public static let maximumShortString = 200
    /// List elements in one message, all lists at every depth together (changes, field writes, version ids,
    /// case ids, rule settings, holidays). Each list's own limit leaves their product unbounded (a push may
    /// hold 1000 changes of 64 writes of 4096 ids each), and an element costs tens to hundreds of bytes once
    /// built, however few it takes on the wire. One change at every per-list limit has 266 305 elements, so it
    /// always fits alone; senders split larger batches (SPEC.md §7).
    public static let maximumMessageElements = 300_000
    /// An enrolment request after inflation: a code, a device id, a device name and a version (SPEC.md §3.2)
    /// take a few hundred bytes. The peer reads enrolments before any token is checked, so they are kept small.
    public static let maximumEnrolmentBytes = 4096
    /// How far ahead of the central peer's clock a pushed change's HLC may be, in milliseconds (SPEC.md §6.5,
    /// rule 6a): seven days. A clock that far ahead is wrong, not late; admitted, it would win every
    /// provisional value and drag every device's clock forward with it (and, near the top of the HLC's
    /// range, overflow it). Seven days is well beyond the tolerance at which a clock is flagged (5 minutes),
    /// beyond any time zone mistake, and keeps the clock-skew tests' devices two days fast working.
    public static let maximumClockLead: Int64 = 7 * 24 * 3600 * 1000
}
