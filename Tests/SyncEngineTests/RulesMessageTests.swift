import Store
import Testing
@testable import SyncEngine

/// The `Rules` message of a pull answer (SPEC.md §3.9): what a device accepts.
@Suite struct RulesMessageTests {
    @Test func rulesSurviveTheWireAndBadOnesAreRefusedWhole() throws {
        var rules = CouncilRules(version: 7)
        try rules.set("pf.later-weeks", to: 10)
        let wire = try Fieldbook_V1_Rules(serializedBytes: try Fieldbook_V1_Rules(rules).serializedBytes() as [UInt8])
        #expect(try wire.decoded() == rules)

        var tooMany = wire
        tooMany.settings = Array(repeating: wire.settings[0], count: Fieldbook_V1_Rules.maximumSettings + 1)
        #expect(throws: RulesError.self) { try tooMany.decoded() }
        var huge = wire
        huge.settings[0].value = Int64.max
        #expect(throws: RulesError.self) { try huge.decoded() }
        var badDay = wire
        badDay.holidays.append("next tuesday")
        #expect(throws: RulesError.self) { try badDay.decoded() }
    }
}
