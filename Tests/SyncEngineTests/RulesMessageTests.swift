@testable import Central
@testable import CentralSQLite
@testable import ClientSync
import Store
@testable import SyncProtocol
import Testing

/// The `Rules` message of a pull answer (SPEC.md §3.9): what a device accepts.
@Suite struct RulesMessageTests {
    @Test func rulesSurviveTheWireAndBadOnesAreRefusedWhole() throws {
        var rules = CouncilRules(version: 7)
        try rules.set("pf.later-weeks", to: 10)
        let wire = try Fieldbook_V1_Rules(serializedBytes: try Fieldbook_V1_Rules(rules).serializedBytes() as [UInt8])
        #expect(try wire.decoded() == rules)

        var tooMany = wire
        tooMany.settings = Array(repeating: wire.settings[0], count: CouncilRules.maximumSettings + 1)
        #expect(throws: RulesError.self) { try tooMany.decoded() }
        var huge = wire
        huge.settings[0].value = Int64.max
        #expect(throws: RulesError.self) { try huge.decoded() }
        // A newer peer's setting this device does not know: kept, so the digest stays the peer's and the
        // rules are not sent again at every pull.
        var newer = wire
        var extra = Fieldbook_V1_RuleSetting()
        extra.name = "someday.new-rule"
        extra.value = 9
        newer.settings.append(extra)
        let received = try newer.decoded()
        #expect(received.unrecognised == ["someday.new-rule": 9])
        #expect(Fieldbook_V1_Rules(received).settings.count == newer.settings.count)
        #expect(try Fieldbook_V1_Rules(received).decoded().digest == received.digest)
        var badDay = wire
        badDay.holidays.append("next tuesday")
        #expect(throws: RulesError.self) { try badDay.decoded() }
    }
}
