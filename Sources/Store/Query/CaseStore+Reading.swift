internal import GRDB

extension CaseStore {
    /// The full id of the record `reference` names: a full id, a case id, or a unique prefix of at least
    /// six characters of a record id.
    public func resolveRecordID(_ reference: String) throws -> String {
        try pool.read { db in try resolveRecordID(reference, db) }
    }

    func resolveRecordID(_ reference: String, _ db: Database) throws -> String {
        if try Self.recordExists(reference, db) { return reference }
        let prefix = reference.lowercased()
        guard prefix.count >= 6 else {
            throw reference.isEmpty ? StoreError.noSuchRecord(reference) : StoreError.prefixTooShort(reference)
        }
        let matches = try String.fetchAll(
            db, sql: "SELECT id FROM record WHERE substr(id, 1, length(?1)) = ?1 ORDER BY id LIMIT 13",
            arguments: [prefix])
        switch matches.count {
        case 0: throw StoreError.noSuchRecord(reference)
        case 1: return matches[0]
        default: throw StoreError.ambiguousPrefix(reference, matches: matches)
        }
    }

    /// A record and its amendments.
    public func snapshot(_ recordID: String) throws -> RecordSnapshot {
        try pool.read { db in try snapshot(of: try existingState(recordID, db), db) }
    }

    func snapshot(of record: RecordState, _ db: Database) throws -> RecordSnapshot {
        try RecordSnapshot.load(record, db)
    }

    /// The shortest prefix of `recordID` (at least 8 characters) that names it alone. Record ids begin
    /// with their creation time, so records made close together share long prefixes.
    public func uniquePrefix(of recordID: String) throws -> String {
        try pool.read { db in try uniquePrefix(of: recordID, db) }
    }

    /// ``uniquePrefix(of:)`` of each id, read in one transaction: for a table with an id on every row.
    public func uniquePrefixes(of recordIDs: [String]) throws -> [String: String] {
        try pool.read { db in
            var prefixes: [String: String] = [:]
            for id in recordIDs where prefixes[id] == nil { prefixes[id] = try uniquePrefix(of: id, db) }
            return prefixes
        }
    }

    func uniquePrefix(of recordID: String, _ db: Database) throws -> String {
        let before = try String.fetchOne(db, sql: "SELECT id FROM record WHERE id < ? ORDER BY id DESC LIMIT 1", arguments: [recordID])
        let after = try String.fetchOne(db, sql: "SELECT id FROM record WHERE id > ? ORDER BY id LIMIT 1", arguments: [recordID])
        func common(_ other: String?) -> Int {
            guard let other else { return 0 }
            return zip(recordID, other).prefix { $0 == $1 }.count
        }
        return String(recordID.prefix(max(8, max(common(before), common(after)) + 1)))
    }

    /// Every change of a record, oldest first: nothing is hidden, superseded values included.
    public func history(_ recordID: String) throws -> [Change] {
        try pool.read { db in
            guard try Self.recordExists(recordID, db) else { throw StoreError.noSuchRecord(recordID) }
            return try ChangeLog.fetch(db, where: "record_id = ?", [recordID])
        }
    }

    /// The ids of all cases, for completion and error messages.
    public func caseIDs() throws -> [String] {
        try pool.read { db in try String.fetchAll(db, sql: "SELECT id FROM record WHERE type = 'case' ORDER BY id") }
    }

    /// The case record's state.
    public func caseState(_ caseID: String) throws -> RecordState {
        try pool.read { db in
            try requireCase(caseID, db)
            return try existingState(caseID, db)
        }
    }

    /// Visits, notes and amendments of a case, in the order they happened.
    public func chronology(_ caseID: String) throws -> [ChronologyEntry] {
        try pool.read { db in
            try requireCase(caseID, db)
            let rows = try Row.fetchAll(db, sql: """
                SELECT id, type, status, created_by, created_at, fields FROM record
                WHERE case_id = ? AND type != 'case'
                """, arguments: [caseID])
            return try rows.map { row in
                let fields = try JSONCoding.decode([String: String].self, from: row["fields"])
                let type = RecordType(rawValue: row["type"]) ?? .note
                let createdAt: String? = row["created_at"]
                return ChronologyEntry(
                    recordID: row["id"], type: type,
                    occurredAt: fields["occurred_at"] ?? createdAt ?? "", recordedAt: createdAt,
                    author: row["created_by"], status: row["status"], summary: Self.summary(type, fields))
            }
            .sorted { ($0.occurredAt, $0.recordID) < ($1.occurredAt, $1.recordID) }
        }
    }

    /// One line saying what a record is: a visit's type and whether the child was seen, a note's first words.
    static func summary(_ type: RecordType, _ fields: [String: String]) -> String {
        switch type {
        case .visit:
            var parts = [fields["type"] ?? "visit"]
            switch fields["seen"] {
            case "yes":
                switch fields["seen_alone"] {
                case "yes": parts.append("seen alone")
                case "no": parts.append("seen, not alone" + (fields["alone_reason"].map { " (\($0))" } ?? ""))
                default: parts.append("seen")
                }
            case "no": parts.append("not seen")
            default: break
            }
            return parts.joined(separator: ", ")
        case .note:
            let body = (fields["body"] ?? "").split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
            return "\(fields["category"] ?? "note"): " + body
        case .oversight:
            let body = (fields["body"] ?? "").split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
            return "oversight: " + body
        case .amendment:
            return "amends \(fields["target_id"] ?? "?"): \(fields["reason"] ?? "")"
        case .case:
            return ""
        }
    }
}
