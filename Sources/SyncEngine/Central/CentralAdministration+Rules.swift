import Store
import SyncProtocol

extension CentralAdministration {
    /// Sets one rule; devices receive the new rules at their next sync. Returns the new version.
    @discardableResult
    public func setRule(_ name: String, to value: Int) async throws -> CouncilRules {
        try await changeRules { rules in
            let old = rules.value(of: name)
            try rules.set(name, to: value)
            guard old != value else { throw CentralAdminError("\(name) is \(value) already; nothing changed") }
            return "\(name) \(old.map(String.init) ?? "?") → \(value)"
        }
    }

    /// Puts one rule back to its shipped default.
    @discardableResult
    public func resetRule(_ name: String) async throws -> CouncilRules {
        guard let setting = CouncilRules.setting(named: name) else {
            throw CentralAdminError("no rule \(name); the rules are: \(CouncilRules.settings.map(\.name).joined(separator: ", "))")
        }
        return try await setRule(name, to: setting.defaultValue)
    }

    /// Adds a day that is not a working day (a one-off bank holiday, or a year beyond the shipped list).
    @discardableResult
    public func addHoliday(_ text: String) async throws -> CouncilRules {
        let day = try Self.day(text)
        return try await changeRules { rules in
            guard !rules.holidays.contains(day) else { throw CentralAdminError("\(day) is a bank holiday already") }
            guard rules.holidays.count < CouncilRules.maximumHolidays else {
                throw CentralAdminError("the list holds \(CouncilRules.maximumHolidays) days already; remove past ones first")
            }
            rules.holidays.insert(day)
            return "bank holiday \(day) added"
        }
    }

    /// Removes a day from the bank-holiday list, making it a working day (if not a weekend).
    @discardableResult
    public func removeHoliday(_ text: String) async throws -> CouncilRules {
        let day = try Self.day(text)
        return try await changeRules { rules in
            guard rules.holidays.contains(day) else { throw CentralAdminError("\(day) is not on the bank-holiday list") }
            rules.holidays.remove(day)
            return "bank holiday \(day) removed"
        }
    }

    /// Saves the next version of the rules after `change` edits them; `change` returns what it did, in
    /// words, for the history.
    private func changeRules(_ change: (inout CouncilRules) throws -> String) async throws -> CouncilRules {
        var rules = try await storage.rules()
        let described: String
        do {
            described = try change(&rules)
        } catch let error as RulesError {
            throw CentralAdminError(error.description)
        }
        rules.version += 1
        try await storage.saveRules(rules, by: actor, change: described, now: now)
        return rules
    }

    private static func day(_ text: String) throws -> CivilDate {
        do {
            return try CouncilRules.holiday(text)
        } catch {
            throw CentralAdminError(error.description)
        }
    }
}
