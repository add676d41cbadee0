import Store

extension Fieldbook_V1_Rules {
    /// The most settings a rules message may carry (today's peer sends ten).
    static let maximumSettings = 256

    init(_ rules: CouncilRules) {
        self.init()
        version = rules.version
        settings = rules.namedValues.map { named in
            var setting = Fieldbook_V1_RuleSetting()
            setting.name = named.name
            setting.value = Int64(named.value)
            return setting
        }
        holidays = rules.holidays.sorted().map(\.description)
    }

    /// The rules, validated (SPEC.md §3.9): unknown names are skipped, anything else out of bounds refuses
    /// the whole set.
    func decoded() throws(RulesError) -> CouncilRules {
        guard settings.count <= Self.maximumSettings else {
            throw RulesError("a rules message carries at most \(Self.maximumSettings) settings, not \(settings.count)")
        }
        let values = settings.map { (name: $0.name, value: Int(clamping: $0.value)) }
        return try CouncilRules(version: version, values: values, holidays: holidays)
    }
}
