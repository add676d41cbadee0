import Foundation
import Store

/// The invented caseload `fieldbook demo` starts with: six children across the four categories, with
/// final and draft visits, notes, and one amendment, dated relative to today.
enum DemoCaseload {
    static let worker = "sam.okafor"

    static func seed(_ store: CaseStore) throws {
        func day(_ offset: Int, at time: String = "10:00") -> String {
            let date = Calendar.current.date(byAdding: .day, value: offset, to: Date()) ?? Date()
            return Timestamp.day(date, in: .current) + "T" + time
        }
        func date(_ offset: Int) -> String { String(day(offset).prefix(10)) }

        try store.addCase(id: "LA-1001", values: [("child", "Jayden Brooks"), ("dob", "2014-06-02"), ("category", "CLA"),
                                                  ("placement_start", date(-200))])
        try store.addCase(id: "LA-1002", values: [("child", "Amira Hassan"), ("dob", "2019-01-17"), ("category", "CP"),
                                                  ("plan_start", date(-40))])
        try store.addCase(id: "LA-1003", values: [("child", "Tyler Nowak"), ("dob", "2011-09-30"), ("category", "CIN"),
                                                  ("plan_start", date(-90))])
        try store.addCase(id: "LA-1004", values: [("child", "Grace Adeyemi"), ("dob", "2009-12-05"), ("category", "PF"),
                                                  ("plan_start", date(-20))])
        try store.addCase(id: "LA-1005", values: [("child", "Leo Marsh"), ("dob", "2016-04-21"), ("category", "CLA"),
                                                  ("placement_start", date(-5))])
        try store.addCase(id: "LA-1006", values: [("child", "Poppy Clarke"), ("dob", "2020-08-11"), ("category", "CP"),
                                                  ("plan_start", date(-12))])

        let jayden = try store.addVisit(caseID: "LA-1001", values: [
            ("date", day(-34, at: "16:00")), ("type", "statutory"), ("seen", "yes"), ("alone", "yes"), ("bedroom", "yes"),
            ("present", "foster carer (Mrs D. Lowe)"), ("location", "foster home"),
            ("wishes", "Jayden said he likes it here and wants to keep going to football on Saturdays. He misses his little sister and asked when he can see her."),
            ("observations", "Bedroom tidy, his own posters up. Relaxed with carer, made a drink for both of us."),
            ("analysis", "Placement stable. Sibling contact is the main worry for Jayden."),
            ("actions", "Ask contact team for a date for sibling contact before half term."),
        ])
        try store.finalise(jayden)
        _ = try store.amend(jayden, reason: "carer's name misspelt", values: [("present", "foster carer (Mrs D. Lowe-Harris)")])
        let jaydenNote = try store.addNote(caseID: "LA-1001", body: "Contact team confirmed sibling contact for Saturday at the family centre, 10-12.",
                                           values: [("category", "phone"), ("date", day(-30, at: "11:20"))])
        try store.finalise(jaydenNote)

        let amira = try store.addVisit(caseID: "LA-1002", values: [
            ("date", day(-9, at: "09:30")), ("type", "unannounced"), ("seen", "yes"), ("alone", "no"),
            ("alone_reason", "inappropriate"), ("bedroom", "yes"), ("present", "mother; maternal grandmother"),
            ("location", "family home"),
            ("wishes", "Amira (7) said home is \"better now\" and that she likes it when nan stays."),
            ("observations", "Home warm, food in the fridge. Mother's partner not present; mother says he has moved out."),
            ("analysis", "Improvement since conference, but partner's whereabouts unverified."),
            ("actions", "Check with police about partner's address. Next visit within 10 working days."),
        ])
        try store.finalise(amira)
        _ = try store.addNote(caseID: "LA-1002", body: "Core group meeting: school reports attendance up to 92%. Health visitor to visit next week.",
                              values: [("category", "meeting"), ("date", day(-3, at: "14:00"))])

        let tyler = try store.addVisit(caseID: "LA-1003", values: [
            ("date", day(-50, at: "15:45")), ("type", "planned"), ("seen", "yes"), ("alone", "yes"), ("bedroom", "no"),
            ("location", "school"), ("wishes", "Tyler wants his dad to stop shouting. He likes his new form tutor."),
        ])
        try store.finalise(tyler)

        _ = try store.addVisit(caseID: "LA-1004", values: [
            ("date", day(-2, at: "17:00")), ("type", "statutory"), ("seen", "yes"), ("alone", "no"), ("alone_reason", "refused"),
            ("location", "private foster carer's home"), ("present", "private foster carer (aunt)"),
            ("observations", "Grace stayed in the room with her aunt and would not speak to me alone."),
        ])

        let leo = try store.addNote(caseID: "LA-1005", body: "Placement started with Mr and Mrs Patel. Leo arrived with one bag; carers to buy school uniform.",
                                    values: [("category", "general"), ("date", day(-5, at: "18:30"))])
        try store.finalise(leo)

        let poppy = try store.addVisit(caseID: "LA-1006", values: [
            ("date", day(-11, at: "10:15")), ("type", "statutory"), ("seen", "no"), ("location", "family home"),
            ("observations", "No answer at the door. Neighbour said the family are away."),
        ])
        try store.delete(poppy, reason: "no visit took place; recorded as an attempted visit note instead")
        _ = try store.addNote(caseID: "LA-1006", body: "Attempted home visit: no answer. Neighbour said the family are away. Will return within 2 days.",
                              values: [("category", "other"), ("date", day(-11, at: "10:15"))])
    }
}
