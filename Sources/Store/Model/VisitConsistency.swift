/// The rules a visit's fields must keep together (reg 29: a child not seen cannot be seen alone; a reason
/// for not seeing the child alone goes only with a child seen but not alone).
///
/// They are checked twice, by the same list: on the values a local write would leave (``FieldInput``
/// refuses the write), and on the *merged* record (``RecordState``), because two edits that each keep the
/// rules can break them together. A merged visit that breaks one shows the fields involved as in
/// conflict, and finalise refuses it until they are fixed.
public enum VisitConsistency {
    /// One broken rule: the stored field names involved and what is wrong, in the words a user types.
    public struct Violation: Sendable, Equatable {
        public let fields: [String]
        public let message: String
    }

    /// Every rule the values break, in a fixed order.
    public static func violations(_ values: [String: String]) -> [Violation] {
        var found: [Violation] = []
        if values["seen"] == "no", values["seen_alone"] == "yes" {
            found.append(Violation(fields: ["seen", "seen_alone"],
                                   message: "alone=yes contradicts seen=no: a child not seen cannot be seen alone"))
        }
        if values["seen"] == "no", values["alone_reason"] != nil {
            found.append(Violation(fields: ["alone_reason", "seen"],
                                   message: "alone_reason is for a child seen but not alone; it cannot go with seen=no"))
        }
        if values["seen_alone"] == "yes", values["alone_reason"] != nil {
            found.append(Violation(fields: ["alone_reason", "seen_alone"],
                                   message: "alone_reason is for a child not seen alone; it cannot go with alone=yes"))
        }
        return found
    }
}
