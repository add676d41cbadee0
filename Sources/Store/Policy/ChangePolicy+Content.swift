/// The policy's rules about content: what a record must be like to be finalised, and what an amendment may
/// correct. The store asks them of the record as it sees it; the central peer asks them of the record as the
/// finaliser saw it (rebuilt from the changes the finalisation seals), so a finalisation that raced an edit
/// elsewhere is still accepted, and the raced edit becomes a conflict instead.
extension ChangePolicy {
    /// Why the record, as its finaliser saw it, cannot be finalised: a field whose versions disagree, a broken
    /// visit rule, or a statutory visit without what reg 29 asks. `nil` if it can.
    public static func finalisationRefusal(_ seen: RecordState) -> Refusal? {
        let schema = seen.recordType.schema
        if let field = seen.conflictedFields.first(where: { seen.fields[$0]?.hasSiblings == true }) {
            return Refusal(.content, "\(schema.key(forField: field)) is in conflict: resolve it first (see 'conflicts')")
        }
        guard seen.recordType == .visit else { return nil }
        if let broken = VisitConsistency.violations(seen.values).first {
            return Refusal(.content, broken.fields.map(schema.key(forField:)).joined(separator: " and ")
                + " are in conflict after merging edits: \(broken.message); fix it with edit (or resolve) first")
        }
        if seen.value("type") == "statutory" {
            let missing = missingForStatutoryVisit(seen.values)
            if !missing.isEmpty {
                return Refusal(.content, "a statutory visit is finalised only with " + missing.joined(separator: ", ")
                    + " recorded (edit it first)")
            }
        }
        return nil
    }

    /// What a statutory visit needs before it is final (reg 29): whether the child was seen; if seen,
    /// whether alone and, if not, why; and the child's wishes and feelings. Keys as users type them.
    static func missingForStatutoryVisit(_ values: [String: String]) -> [String] {
        var missing: [String] = []
        guard let seen = values["seen"] else { return ["seen (and, if the child was seen, alone and wishes)"] }
        if seen == "yes" {
            switch values["seen_alone"] {
            case nil: missing.append("alone")
            case "no"? where values["alone_reason"] == nil: missing.append("alone_reason")
            default: break
            }
            if values["wishes"] == nil { missing.append("wishes") }
        }
        return missing
    }

    /// Why an amendment's corrections are refused: they must be a JSON object naming content fields of the
    /// target's type (never its status), and a corrected visit must still keep the visit rules.
    static func correctionRefusal(_ change: Change, target: RecordSnapshot) -> Refusal? {
        guard let text = change.write(to: "corrected")?.value,
              let corrections = try? JSONCoding.decode([String: String?].self, from: text), !corrections.isEmpty
        else { return Refusal(.content, "an amendment's corrected values must be a JSON object of fields and values") }
        let schema = target.state.recordType.schema
        let correctable = Set(schema.fields.map(\.name))
        if let stray = corrections.keys.sorted().first(where: { !correctable.contains($0) }) {
            return Refusal(.content, "a \(target.state.recordType.rawValue) has no field \(stray) to correct")
        }
        if target.state.recordType == .visit {
            var effective = target.effectiveValues
            for (field, value) in corrections { effective[field] = value }
            if let broken = VisitConsistency.violations(effective).first {
                return Refusal(.content, "the corrected visit would break a visit rule: \(broken.message)")
            }
        }
        return nil
    }
}
