import Store

/// A case record laid out for reading: the same headings, labels, values and notes whichever format
/// prints it (HTML, Markdown, plain text, or `chronology` at the terminal), so the formats carry the same
/// content and differ only in dress.
///
/// Values are the stored text, unescaped: each renderer escapes them for its format (and shows control
/// characters in ``SafeText``'s form).
struct RecordDocument: Sendable {
    /// A labelled value; the value may span lines.
    struct Item: Sendable, Equatable {
        let label: String
        let value: String
        /// Drawn attention to: a failed check, an overdue visit.
        var alert = false
    }

    /// A field of an entry: its value, and notes beside it (an amendment with the value before it, a
    /// conflict).
    struct Field: Sendable, Equatable {
        let label: String
        /// Empty when nothing was recorded (renderers say so).
        let value: String
        var notes: [Note] = []
        /// Shown in full over several lines (free text) rather than as a short value.
        var prose = false
        /// Part of an unresolved conflict.
        var alert = false
    }

    struct Note: Sendable, Equatable {
        let text: String
        var alert = false
    }

    struct Entry: Sendable, Equatable {
        let number: Int
        let kind: CaseRecordEntry.Kind
        /// When, readable (see ``RecordDocument/readable(_:)``).
        let date: String
        let title: String
        /// draft, final or deleted, for records that have a status.
        let status: String?
        /// `in conflict` when the entry has unresolved conflicts.
        let flags: [String]
        /// Who recorded it and when, what the central peer holds of it, its id.
        let stamps: [Item]
        let fields: [Field]
        let recordID: String
        /// The stored time the entry is ordered by.
        let when: String
        let author: String
        /// The stored time the entry's change was recorded, and what the central peer holds of it.
        let recordedAt: String
        let receipt: ChangeReceipt
    }

    let caseID: String
    let childName: String
    /// "Printed 2026-11-23 21:10:04 UTC by lee.ward".
    let printed: String
    let facts: [Item]
    let notices: [Note]
    let entries: [Entry]
    /// The store check, when the document was made, by whom, and the central peer; empty for the terminal.
    let integrity: [Item]
    let record: CaseRecord

    /// Lays out `record`. With a `verification` (the store's `verify`), the document ends with the
    /// integrity section a printed copy needs.
    init(_ record: CaseRecord, verification: VerificationReport?) {
        self.record = record
        let header = record.header
        caseID = header.caseID
        childName = header.childName ?? ""
        printed = "Printed \(Self.readable(record.generatedAt)) by \(record.generatedBy)"

        // Entry numbers, for references between entries (an amendment names the visit it corrects).
        var numbers: [String: Int] = [:]
        for (index, entry) in record.entries.enumerated()
        where [.visit, .note, .oversight, .amendment, .caseOpened].contains(entry.kind) && numbers[entry.recordID] == nil {
            numbers[entry.recordID] = index + 1
        }
        let context = Context(numbers: numbers, deviceID: record.deviceID)

        var facts: [Item] = [Item(label: "Case", value: header.caseID), Item(label: "Child", value: header.childName ?? "")]
        if let dob = header.dob { facts.append(Item(label: "Date of birth", value: dob)) }
        if let category = header.category {
            facts.append(Item(label: "Category", value: Self.categoryNames[category].map { "\(category) (\($0))" } ?? category))
        }
        facts.append(Item(label: "Worker", value: header.worker ?? "none allocated"))
        if let start = header.placementStart { facts.append(Item(label: "Placement started", value: start)) }
        if let start = header.planStart {
            facts.append(Item(label: header.category == "PF" ? "Notified" : "Plan started", value: start))
        }
        if header.longTerm { facts.append(Item(label: "Long-term placement", value: "yes")) }
        if let deadline = header.nextVisit {
            let overdue = header.daysOverdue > 0 ? ": \(header.daysOverdue) day\(header.daysOverdue == 1 ? "" : "s") overdue" : ""
            facts.append(Item(label: "Next statutory visit", value: "due \(deadline.due) (\(deadline.rule))\(overdue)",
                              alert: header.daysOverdue > 0))
        } else {
            facts.append(Item(label: "Next statutory visit", value: "no deadline: the case has no start date to count from"))
        }
        if !header.allocation.isEmpty {
            let periods = header.allocation.reversed().map { period in
                "\(period.worker) from \(period.from.prefix(10))" + (period.to.map { " to \($0.prefix(10))" } ?? "")
                    + " (allocated by \(period.by))"
            }
            let count = header.workersInLastYear
            facts.append(Item(label: "Allocation", value: (periods + ["\(count) different worker\(count == 1 ? "" : "s") in the last 12 months"])
                .joined(separator: "\n")))
        }
        if let opened = header.opened {
            facts.append(Item(label: "Case recorded", value: "\(Self.readable(opened.recordedAt)) by \(opened.author)"))
        }
        let counts = Dictionary(grouping: record.entries, by: \.kind).mapValues(\.count)
        let tally = CaseRecordEntry.Kind.allCases.compactMap { kind in counts[kind].map { "\($0) \(Self.plural(kind, $0))" } }
        facts.append(Item(label: "Entries", value: "\(record.entries.count)" + (tally.isEmpty ? "" : " (" + tally.joined(separator: ", ") + ")")))
        self.facts = facts

        var notices: [Note] = []
        let conflicted = record.entries.enumerated().filter { !$0.element.conflicts.isEmpty }.map { "\($0.offset + 1)" }
        if record.conflictCount > 0 {
            let places = (header.conflicts.isEmpty ? [] : ["the case's details"]) + (conflicted.isEmpty ? [] : ["entr\(conflicted.count == 1 ? "y" : "ies") " + conflicted.joined(separator: ", ")])
            notices.append(Note(text: "\(record.conflictCount) unresolved conflict\(record.conflictCount == 1 ? "" : "s") (fields edited in two places "
                                + "at once, every version kept): \(places.joined(separator: " and ")). The value shown meanwhile is marked; "
                                + "a supervisor settles them with resolve.", alert: true))
        }
        for conflict in header.conflicts {
            notices.append(Note(text: Self.conflictText(conflict, label: Self.label(conflict.field, .case)), alert: true))
        }
        let drafts = record.entries.filter { $0.status == .draft }.count
        if drafts > 0 {
            notices.append(Note(text: "\(drafts) record\(drafts == 1 ? " is a draft" : "s are drafts"): not finalised, and may still change."))
        }
        if record.pendingChanges > 0 {
            notices.append(Note(text: "\(record.pendingChanges) change\(record.pendingChanges == 1 ? "" : "s") to this case made on this device "
                                + "\(record.pendingChanges == 1 ? "is" : "are") not yet on the central peer."))
        }
        if record.refusedChanges > 0 {
            notices.append(Note(text: "\(record.refusedChanges) change\(record.refusedChanges == 1 ? " was" : "s were") refused by the central peer "
                                + "and \(record.refusedChanges == 1 ? "is" : "are") not part of this record ('rejected' lists them).", alert: true))
        }
        self.notices = notices

        entries = record.entries.enumerated().map { index, entry in Self.entry(entry, number: index + 1, context) }

        var integrity: [Item] = []
        if let verification {
            let counts = "\(verification.changesChecked) change\(verification.changesChecked == 1 ? "" : "s") on \(verification.devices) "
                + "device chain\(verification.devices == 1 ? "" : "s"), \(verification.recordsChecked) record\(verification.recordsChecked == 1 ? "" : "s")"
            if verification.isIntact {
                integrity.append(Item(label: "Store check (verify)", value: "intact: \(counts). Every change's hash, every device's hash chain "
                                      + "and every record's replay from the change log were checked, for the whole store."))
            } else {
                let problems = verification.problems.map { "- \($0)" }
                integrity.append(Item(label: "Store check (verify)",
                                      value: (["FAILED: \(verification.problems.count) problem\(verification.problems.count == 1 ? "" : "s") on \(counts); "
                                               + "this record may not match its change log:"] + problems).joined(separator: "\n"),
                                      alert: true))
            }
            integrity.append(Item(label: "Generated", value: "\(Self.readable(record.generatedAt)) by \(record.generatedBy) on device \(record.deviceID)"))
            if let peer = record.centralPeer {
                integrity.append(Item(label: "Central peer", value: "\(peer)" + (record.role.map { " (\(record.generatedBy), \($0))" } ?? "")
                                      + "; last sync " + (record.lastSyncAt.map(Self.readable) ?? "never")))
            } else {
                integrity.append(Item(label: "Central peer", value: "none: this store was never enrolled, so nothing in it has been synced"))
            }
            integrity.append(Item(label: "Times", value: "UTC. \"Recorded\" is the recording device's clock; \"received\" the central peer's."))
            integrity.append(Item(label: "Checksum", value: "fieldbook printed this file's SHA-256 when it wrote it; "
                                  + "compare it with the output of sha256sum on any copy."))
        }
        self.integrity = integrity
    }

    // MARK: - Entries

    private struct Context {
        let numbers: [String: Int]
        let deviceID: String

        func reference(_ target: CaseRecordTarget) -> String {
            let what = target.type == .case ? "the case's details" : RecordDocument.noun(target.type)
            let number = numbers[target.recordID].map { " (entry \($0))" } ?? ""
            let when = target.type == .case || target.when.isEmpty ? "" : " of \(RecordDocument.readable(target.when))"
            return "\(what)\(when)\(number), \(target.recordID)"
        }
    }

    private static func entry(_ entry: CaseRecordEntry, number: Int, _ context: Context) -> Entry {
        var stamps: [Item] = []
        var fields: [Field] = []
        var title: String
        let type = entry.recordType
        switch entry.content {
        case .record(let recorded, let amendments):
            let values = Dictionary(recorded.map { ($0.field, $0.value) }, uniquingKeysWith: { a, _ in a })
            switch type {
            case .visit: title = "Visit" + ((values["type"] ?? nil).map { " (\($0))" } ?? "")
            case .note: title = "Case note" + ((values["category"] ?? nil).map { " (\($0))" } ?? "")
            default: title = "Management oversight"
            }
            let conflicted = Set(entry.conflicts.map(\.field))
            for field in recorded {
                var notes: [Note] = []
                for amendment in amendments {
                    for correction in amendment.corrections where correction.field == field.field {
                        let number = context.numbers[amendment.recordID].map { " (entry \($0))" } ?? ""
                        notes.append(Note(text: "Amended \(readable(amendment.stamp.recordedAt)) by \(amendment.stamp.author)\(number), "
                                          + "reason: \(amendment.reason). Before: \(shown(field.field, correction.before, empty: "(not recorded)"))"))
                    }
                }
                if case .some(let original) = field.recorded, notes.isEmpty {
                    notes.append(Note(text: "As first recorded: \(shown(field.field, original, empty: "(not recorded)"))"))
                }
                if conflicted.contains(field.field) {
                    notes.append(Note(text: "IN CONFLICT: the value shown is provisional; every version is listed below.", alert: true))
                }
                fields.append(Field(label: label(field.field, type), value: shown(field.field, field.value), notes: notes,
                                    prose: isProse(field.field)))
            }
            if let reason = entry.deleteReason {
                fields.append(Field(label: "Reason for deletion", value: reason, prose: true))
            }
        case .amendment(let amendment, let target):
            title = "Amendment of \(noun(target.type))" + (context.numbers[target.recordID].map { " (entry \($0))" } ?? "")
            fields.append(Field(label: "Corrects", value: context.reference(target)))
            fields.append(Field(label: "Reason", value: amendment.reason, prose: true))
            for correction in amendment.corrections {
                fields.append(Field(label: label(correction.field, target.type), value: shown(correction.field, correction.after),
                                    notes: [Note(text: "Before: \(shown(correction.field, correction.before, empty: "(not recorded)"))")],
                                    prose: isProse(correction.field)))
            }
        case .deletion(let reason, let target):
            title = "Deletion of \(noun(target.type))" + (context.numbers[target.recordID].map { " (entry \($0))" } ?? "")
            fields.append(Field(label: "Deleted", value: context.reference(target)))
            fields.append(Field(label: "Reason", value: reason, prose: true))
            fields.append(Field(label: "What it said", value: "kept in full at its own entry, marked deleted"))
        case .resolution(let field, _, let kept, let replaced, let target):
            title = "Conflict resolved in " + (target.type == .case ? "the case's details" : noun(target.type))
                + (context.numbers[target.recordID].map { " (entry \($0))" } ?? "") + ": " + label(field, target.type)
            fields.append(Field(label: "Record", value: context.reference(target)))
            fields.append(Field(label: "Value kept", value: kept ?? "", prose: isProse(field)))
            for (index, version) in replaced.enumerated() {
                fields.append(Field(label: "Version \(index + 1)", value: version.value ?? "",
                                    notes: [Note(text: "Written \(readable(version.recordedAt)) by \(version.author) (change \(version.change.short))")],
                                    prose: isProse(field)))
            }
        case .allocation(let worker, let previous):
            title = "Allocated to \(worker)"
            fields.append(Field(label: "Worker", value: worker))
            fields.append(Field(label: "Previous worker", value: previous ?? ""))
        case .caseDetails(let changes):
            title = entry.kind == .caseOpened ? "Case recorded" : "Case details changed"
            for change in changes {
                fields.append(Field(label: label(change.field, .case), value: change.after ?? "",
                                    notes: entry.kind == .caseOpened ? [] : [Note(text: "Before: \(change.before ?? "(not recorded)")")]))
            }
        }
        for conflict in entry.conflicts {
            fields += conflictFields(conflict, type: type)
        }

        let stamp = entry.stamp
        stamps.append(Item(label: "Recorded", value: describe(stamp)))
        stamps.append(Item(label: "Received", value: receipt(stamp.receipt)))
        if let skew = stamp.clockSkewMilliseconds {
            stamps.append(Item(label: "Clock", value: "recorded on a device whose clock was \(ClockSkew.words(skew)) of the central peer's: "
                               + "its recorded time came from that clock", alert: true))
        }
        if entry.edits > 0, let last = entry.lastEdit {
            stamps.append(Item(label: "Edited", value: "\(entry.edits) time\(entry.edits == 1 ? "" : "s"), last \(describe(last)); "
                               + receipt(last.receipt, inline: true)))
        }
        if let finalised = entry.finalised {
            stamps.append(Item(label: "Finalised", value: "\(describe(finalised)); \(receipt(finalised.receipt, inline: true))"))
        }
        if let deleted = entry.deleted {
            stamps.append(Item(label: "Deleted", value: "\(describe(deleted)); \(receipt(deleted.receipt, inline: true))", alert: true))
        }
        stamps.append(Item(label: entry.recordType == .case ? "Case id" : "Record id", value: entry.recordID))

        var flags: [String] = []
        if !entry.conflicts.isEmpty { flags.append("in conflict") }
        return Entry(number: number, kind: entry.kind, date: readable(entry.when), title: title, status: entry.status?.rawValue
                     ?? (entry.kind == .amendment ? "final" : nil),
                     flags: flags, stamps: stamps, fields: fields, recordID: entry.recordID, when: entry.when,
                     author: stamp.author, recordedAt: stamp.recordedAt, receipt: stamp.receipt)
    }

    /// "2026-11-23 21:05:01.921 UTC by lee.ward on device 3456094b".
    private static func describe(_ stamp: ChangeStamp) -> String {
        "\(readable(stamp.recordedAt)) by \(stamp.author) on device \(stamp.change.deviceID.prefix(8))"
    }

    /// What the central peer holds of a change, as a value (or, `inline`, as a clause).
    static func receipt(_ receipt: ChangeReceipt, inline: Bool = false) -> String {
        switch receipt {
        case .received(let at): return inline ? "received by the central peer \(readable(at))" : "\(readable(at)) by the central peer"
        case .acknowledged: return inline ? "acknowledged by the central peer" : "by the central peer (acknowledged; its time comes back at the next sync)"
        case .viaCentralPeer: return inline ? "received through the central peer" : "through the central peer (its time was not kept on this device)"
        case .notYetSynced: return inline ? "not yet synced" : "not yet synced: on this device only"
        }
    }

    /// A field in conflict as fields of its entry: what the conflict is, then each version in full with who
    /// wrote it and when, the one shown meanwhile first.
    private static func conflictFields(_ conflict: CaseRecordConflict, type: RecordType) -> [Field] {
        var what = "\(conflict.versions.count) versions, kept side by side until a supervisor resolves it; the first is shown meanwhile"
        if conflict.betweenAmendments { what = "amendments made without seeing each other disagree: " + what }
        if let rule = conflict.brokenRule { what = "the merged record breaks a rule (\(rule)): " + what }
        var fields = [Field(label: "IN CONFLICT: " + label(conflict.field, type), value: what, notes: [], prose: true, alert: true)]
        for (index, version) in conflict.versions.enumerated() {
            var why: [String] = []
            if index == 0 { why.append("shown meanwhile") }
            if version.raced { why.append("written without seeing the finalisation") }
            fields.append(Field(label: "Version \(index + 1)", value: shown(conflict.field, version.value, empty: ""),
                                notes: [Note(text: "Written \(readable(version.recordedAt)) by \(version.author) (change \(version.change.short))"
                                             + (why.isEmpty ? "" : "; " + why.joined(separator: "; ")))],
                                prose: true, alert: true))
        }
        return fields
    }

    /// The versions of a field in conflict, one paragraph each, the one shown meanwhile first.
    private static func conflictText(_ conflict: CaseRecordConflict, label: String?) -> String {
        var lines: [String] = []
        if let label { lines.append("\(label) of the case is in conflict:") }
        if let rule = conflict.brokenRule { lines.append("The merged record breaks a rule: \(rule).") }
        if conflict.betweenAmendments { lines.append("Amendments made without seeing each other disagree:") }
        for (index, version) in conflict.versions.enumerated() {
            var why: [String] = []
            if index == 0 { why.append("shown meanwhile") }
            if version.raced { why.append("written without seeing the finalisation") }
            lines.append("[\(index + 1)] \(version.author), \(readable(version.recordedAt))" + (why.isEmpty ? "" : " (\(why.joined(separator: "; ")))") + ":")
            lines.append("    " + (version.value ?? "(no value)").replacingOccurrences(of: "\n", with: "\n    "))
        }
        return lines.joined(separator: "\n")
    }

    // MARK: - Words

    /// A stored time made readable, nothing lost: `2026-11-23T21:05:01.921Z` → `2026-11-23 21:05:01.921 UTC`.
    /// A date stays as it is; anything else is shown as stored.
    static func readable(_ stored: String) -> String {
        guard stored.count >= 20, stored.hasSuffix("Z"), let t = stored.firstIndex(of: "T"),
              stored.distance(from: stored.startIndex, to: t) == 10 else { return stored }
        return String(stored[..<t]) + " " + String(stored[stored.index(after: t)..<stored.index(before: stored.endIndex)]) + " UTC"
    }

    static let categoryNames = ["CIN": "child in need", "CP": "child protection", "CLA": "looked after", "PF": "private fostering"]

    private static let labels: [String: String] = [
        "occurred_at": "When", "type": "Visit type", "seen": "Child seen", "seen_alone": "Seen alone",
        "alone_reason": "Why not seen alone", "bedroom_seen": "Bedroom seen", "present": "Present", "location": "Location",
        "wishes": "Wishes and feelings", "observations": "Observations", "analysis": "Analysis", "actions": "Actions",
        "body": "Text", "child_name": "Child", "dob": "Date of birth", "worker": "Worker", "placement_start": "Placement started",
        "plan_start": "Plan started", "long_term": "Long-term placement", "status": "Status", "delete_reason": "Reason for deletion",
    ]

    /// A field's label in print.
    static func label(_ field: String, _ type: RecordType) -> String {
        switch (type, field) {
        case (.note, "category"): return "Category"
        case (.note, "body"): return "Note"
        case (.oversight, "body"): return "Oversight"
        case (.case, "category"): return "Category"
        default: return labels[field] ?? field
        }
    }

    /// A field's value in print: times made readable; `empty` when it has none.
    private static func shown(_ field: String, _ value: String?, empty: String = "") -> String {
        guard let value else { return empty }
        return field == "occurred_at" ? readable(value) : value
    }

    private static func isProse(_ field: String) -> Bool {
        ["present", "location", "wishes", "observations", "analysis", "actions", "body", "reason", "delete_reason"].contains(field)
    }

    static func noun(_ type: RecordType) -> String {
        switch type {
        case .visit: return "visit"
        case .note: return "case note"
        case .oversight: return "management oversight"
        case .amendment: return "amendment"
        case .case: return "case"
        }
    }

    private static func plural(_ kind: CaseRecordEntry.Kind, _ count: Int) -> String {
        let one: String
        switch kind {
        case .caseOpened: one = "case opening"
        case .caseDetails: one = "change of details"
        case .allocation: one = "allocation"
        case .visit: one = "visit"
        case .note: one = "note"
        case .oversight: one = "oversight entry"
        case .amendment: one = "amendment"
        case .deletion: one = "deletion"
        case .resolution: one = "resolution"
        }
        guard count != 1 else { return one }
        switch kind {
        case .oversight: return "oversight entries"
        case .caseDetails: return "changes of details"
        case .caseOpened: return "case openings"
        default: return one + "s"
        }
    }
}
