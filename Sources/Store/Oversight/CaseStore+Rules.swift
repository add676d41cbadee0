import Crypto
import Foundation
internal import GRDB

extension CouncilRules {
    /// The stored form: `{"version": N, "settings": {"name": value, ...}, "holidays": ["YYYY-MM-DD", ...]}`.
    private struct Document: Codable {
        var version: UInt64
        var settings: [String: Int]
        var holidays: [String]
    }

    /// The rules as JSON, as the central peer and devices store them.
    public func jsonText() -> String {
        let document = Document(version: version, settings: Dictionary(uniqueKeysWithValues: allValues.map { ($0.name, $0.value) }),
                                holidays: holidays.sorted().map(\.description))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding integers, strings and arrays of them cannot fail.
        return (try? encoder.encode(document)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// Rules from their stored JSON, validated as if received.
    public init(jsonText: String) throws(RulesError) {
        guard let document = try? JSONDecoder().decode(Document.self, from: Data(jsonText.utf8)) else {
            throw RulesError("the stored rules are not readable JSON")
        }
        try self.init(version: document.version, values: document.settings.map { ($0.key, $0.value) }, holidays: document.holidays)
    }

    /// Identifies the rules' content (16 hex digits of the SHA-256 of ``jsonText()``): a device asks for
    /// rules whose digest differs from its own, so a peer restored from a backup, whose version numbers
    /// start again, still reaches every device.
    public var digest: String { Hex.encode(SHA256.hash(data: Data(jsonText().utf8)).prefix(8)) }

    /// The digest of the shipped defaults, which a device that has received no rules counts with.
    public static let defaultsDigest = CouncilRules.defaults.digest

    static let metaKey = "rules.document"

    /// The rules a store received, or `nil` when it has received none.
    static func load(_ db: Database) throws -> CouncilRules? {
        guard let text = try String.fetchOne(db.cachedStatement(sql: "SELECT value FROM store_meta WHERE key = ?"), arguments: [metaKey]) else {
            return nil
        }
        do {
            return try CouncilRules(jsonText: text)
        } catch {
            throw StoreError.inconsistent("the council rules kept in this store cannot be used (\(error)); sync again to receive them afresh")
        }
    }

    func save(_ db: Database) throws {
        try db.cachedStatement(sql: "INSERT OR REPLACE INTO store_meta (key, value) VALUES (?, ?)").execute(arguments: [Self.metaKey, jsonText()])
    }
}

extension CaseStore {
    /// The visit and recording rules in force on this device: the last set received from the central
    /// peer, or the shipped defaults (version 0) before any.
    public func councilRules() throws -> CouncilRules {
        try receivedCouncilRules() ?? .defaults
    }

    /// The rules received from the central peer, or `nil` if none were (a sync tells the peer which).
    public func receivedCouncilRules() throws -> CouncilRules? {
        try pool.read { db in try CouncilRules.load(db) }
    }
}
