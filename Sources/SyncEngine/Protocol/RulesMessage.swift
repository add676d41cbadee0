import Store

extension Fieldbook_V1_Rules {
    package init(_ rules: CouncilRules) {
        self.init()
        version = rules.version
        settings = rules.allValues.map { named in
            var setting = Fieldbook_V1_RuleSetting()
            setting.name = named.name
            setting.value = Int64(named.value)
            return setting
        }
        holidays = rules.holidays.sorted().map(\.description)
    }

    /// The rules, validated (SPEC.md §3.9): unknown names are kept aside, anything out of bounds refuses the
    /// whole set.
    package func decoded() throws(RulesError) -> CouncilRules {
        let values = settings.map { (name: $0.name, value: Int(clamping: $0.value)) }
        return try CouncilRules(version: version, values: values, holidays: holidays)
    }
}
