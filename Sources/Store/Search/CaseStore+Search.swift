internal import GRDB

/// What a person asked `search` for: the words of their text, never the text itself as FTS5 query syntax.
///
/// FTS5 reads `"`, `*`, `^`, `:`, `(`, `-`, `+`, `AND`, `OR`, `NOT` and `NEAR(` as operators: typed raw, a
/// stray quote is a syntax error, `body:` limits the search to a column, and `NOT` drops records. So the
/// text is split on white space (and control characters), a piece with no letter or digit (`*`, `--`, `"`) is dropped, and each
/// piece is searched as a quoted phrase (inner quotes doubled): `co-operate` finds those two words
/// together, `NEAR(` finds the word near, and every piece must be found (they are joined by AND).
/// The length is bounded so a pasted page cannot make one query the size of a document.
public struct SearchTerms: Sendable, Equatable {
    /// At most this many characters of text to look for.
    public static let maximumCharacters = 200
    /// At most this many words.
    public static let maximumWords = 16

    /// The pieces searched for, as typed.
    public let words: [String]

    public init(_ text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.count <= Self.maximumCharacters else { throw SearchError.tooLong(characters: trimmed.count) }
        // Control characters (a NUL would end FTS5's reading of the pattern) separate words like spaces.
        let words = trimmed.split { $0.isWhitespace || $0.unicodeScalars.contains { $0.properties.generalCategory == .control } }
            .map(String.init)
            .filter { $0.contains { $0.isLetter || $0.isNumber } }
        guard !words.isEmpty else { throw SearchError.noWords }
        guard words.count <= Self.maximumWords else { throw SearchError.tooManyWords(words.count) }
        self.words = words
    }

    /// The FTS5 MATCH pattern: each word a quoted phrase, all of them required.
    public var pattern: String {
        words.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: " ")
    }
}

/// Why a search cannot be run as asked.
public enum SearchError: Error, Equatable, CustomStringConvertible {
    case noWords
    case tooLong(characters: Int)
    case tooManyWords(Int)
    /// The store keeps no index (the central peer's replica).
    case notKept

    public var description: String {
        switch self {
        case .notKept:
            return "this store keeps no search index (a central peer's replica keeps none); 'search --rebuild' makes one"
        case .noWords:
            return "give at least one word to look for (letters or digits): search TEXT [--case ID]"
        case .tooLong(let characters):
            return "the text to look for is \(characters) characters long; give at most \(SearchTerms.maximumCharacters): a few distinctive words find more than a sentence"
        case .tooManyWords(let count):
            return "the text to look for has \(count) words; give at most \(SearchTerms.maximumWords): a few distinctive words find more than a sentence"
        }
    }
}

/// A piece of text with the words that matched marked.
public struct SearchSnippet: Sendable, Equatable {
    public struct Part: Sendable, Equatable {
        public let text: String
        public let matched: Bool

        public init(_ text: String, matched: Bool) {
            self.text = text
            self.matched = matched
        }
    }

    public let parts: [Part]

    public init(parts: [Part]) { self.parts = parts }

    /// The snippet as text, each matched word between `open` and `close`.
    public func marked(open: String = "[", close: String = "]") -> String {
        parts.map { $0.matched ? open + $0.text + close : $0.text }.joined()
    }

    /// The marks FTS5's `snippet()` puts around matched words: control characters, which the REPL refuses
    /// in typed text and output escapes anyway. A stored text that does hold one (from another device) can
    /// only move a highlight.
    static let open: Character = "\u{02}"
    static let close: Character = "\u{03}"

    /// Splits `snippet()`'s output at its marks.
    init(marked text: String) {
        var parts: [Part] = []
        var current = ""
        var inMatch = false
        for character in text {
            if character == Self.open || character == Self.close {
                if !current.isEmpty { parts.append(Part(current, matched: inMatch)) }
                current = ""
                inMatch = character == Self.open
            } else {
                current.append(character)
            }
        }
        if !current.isEmpty { parts.append(Part(current, matched: inMatch)) }
        // Words matched side by side are marked as one: [carer rang], not [carer] [rang].
        var merged: [Part] = []
        for part in parts {
            if let gap = merged.last, !gap.matched, gap.text.allSatisfy(\.isWhitespace), merged.count >= 2,
               merged[merged.count - 2].matched, part.matched {
                merged.removeLast()
                let before = merged.removeLast()
                merged.append(Part(before.text + gap.text + part.text, matched: true))
            } else {
                merged.append(part)
            }
        }
        self.parts = merged
    }

    var matchCount: Int { parts.filter(\.matched).count }
}

/// One record `search` found.
public struct SearchHit: Sendable, Equatable {
    public let recordID: String
    public let recordType: RecordType
    public let caseID: String
    /// When it happened (`occurred_at`), or for an oversight entry when it was recorded.
    public let occurredAt: String?
    /// The day of ``occurredAt`` in the store's time zone.
    public let occurredDay: String?
    public let status: String?
    /// Who created it.
    public let author: String?
    /// Where the snippet comes from: a stored field name (`wishes`, `body`, ...), `amended` (an amendment's
    /// correction) or `conflicting` (another version of a field in conflict).
    public let field: String
    /// The words around the best match, matched words marked.
    public let snippet: SearchSnippet
}

/// The best `limit` records found, and how many were found in all.
public struct SearchResults: Sendable, Equatable {
    public let hits: [SearchHit]
    public let total: Int
}

extension CaseStore {
    /// Records shown at most by one search, unless asked otherwise.
    public static let searchLimit = 50

    /// Visits, notes and oversight entries whose text holds every word of `text`, best match first (bm25:
    /// rarer words and shorter texts count more), with the words in context.
    ///
    /// - Parameters:
    ///   - caseID: only records of this case.
    ///   - includeDeleted: also records marked deleted (left out by default: they were withdrawn).
    ///   - limit: at most this many hits; ``SearchResults/total`` counts them all.
    public func search(_ text: String, caseID: String? = nil, includeDeleted: Bool = false,
                       limit: Int = CaseStore.searchLimit) throws -> SearchResults {
        let terms = try SearchTerms(text)
        let days = LocalDays(timeZone)
        return try pool.read { db in
            guard try SearchIndex.isKept(db) else { throw SearchError.notKept }
            if let caseID { try requireCase(caseID, db) }
            let filter = """
                search_index MATCH :pattern AND (:caseID IS NULL OR r.case_id = :caseID) AND (:deleted OR r.status IS NOT 'deleted')
                """
            let from = """
                FROM search_index JOIN search_text t ON t.docid = search_index.rowid JOIN record r ON r.id = t.record_id
                """
            let arguments: StatementArguments = ["pattern": terms.pattern, "caseID": caseID, "deleted": includeDeleted, "limit": limit]
            let total = try Int.fetchOne(db, sql: "SELECT count(*) \(from) WHERE \(filter)", arguments: arguments) ?? 0
            let snippets = SearchIndex.columns.indices.map {
                "snippet(search_index, \($0), char(2), char(3), '…', 16) AS s\($0)"
            }.joined(separator: ", ")
            let rows = try Row.fetchAll(db, sql: """
                SELECT r.id, r.type, r.case_id, r.status, r.created_by, r.created_at,
                       json_extract(r.fields, '$.occurred_at') AS occurred_at, \(snippets)
                \(from) WHERE \(filter)
                ORDER BY bm25(search_index), r.id LIMIT :limit
                """, arguments: arguments)
            let hits = rows.map { row -> SearchHit in
                let occurredAt: String? = row["occurred_at"] ?? row["created_at"]
                // The field with the most matched words (the first of equals) gives the snippet.
                let candidates = SearchIndex.columns.indices.map { SearchSnippet(marked: row["s\($0)"] ?? "") }
                let best = candidates.indices.max { a, b in
                    (candidates[a].matchCount, -a) < (candidates[b].matchCount, -b)
                } ?? 0
                return SearchHit(recordID: row["id"], recordType: RecordType(rawValue: row["type"]) ?? .note, caseID: row["case_id"],
                                 occurredAt: occurredAt, occurredDay: occurredAt.map { days.day(of: $0) }, status: row["status"],
                                 author: row["created_by"], field: SearchIndex.columns[best], snippet: candidates[best])
            }
            return SearchResults(hits: hits, total: total)
        }
    }

    /// Makes the search index again from the records (after `verify` reported it damaged). Returns how many
    /// records it holds.
    @discardableResult
    public func rebuildSearchIndex() throws -> Int {
        try pool.write { db in
            try SearchIndex.rebuild(db)
            return try Int.fetchOne(db, sql: "SELECT count(*) FROM search_text") ?? 0
        }
    }
}
