import Foundation
import Store

/// A command's name, usage and help: what `help` prints and errors quote.
struct CommandSpec: Sendable {
    let name: String
    var aliases: [String] = []
    let usage: String
    let summary: String
    var details: String = ""

    /// Whether a long result is shown through the pager at a terminal (``Pager``). Commands that ask
    /// questions or report progress as they go write straight through.
    var pages: Bool { Self.paged.contains(name) }

    private static let paged: Set<String> = [
        "cases", "due", "overdue", "team", "not-seen-alone", "late", "rules", "case", "show", "history",
        "conflicts", "rejected", "sql", "help", "status", ".tables", ".schema", "chronology", "search", "drafts",
    ]
}

/// Every command of the REPL. These names and keys are a contract for users and their scripts.
enum CommandCatalog {
    static let all: [CommandSpec] = [
        CommandSpec(name: "cases", usage: "cases",
                    summary: "your cases, most urgent first: last visit, last seen alone, next statutory visit due, days overdue",
                    details: """
                    Default deadlines: CLA within 7 days of the placement starting, then at most 6 weeks apart
                    (3 months after the first year of a long-term placement, long_term=yes); CP every 10 working
                    days; CIN every 6 weeks; PF within 7 working days of notification, then 6-weekly (12-weekly
                    after a year). Only visits where the child was seen count. Working days skip weekends and
                    bank holidays (England and Wales listed). Your council may set other values: 'rules' shows
                    those in force on this device.
                    """),
        CommandSpec(name: "due", usage: "due [--within DAYS]",
                    summary: "statutory visits due within DAYS (default 14), overdue ones first"),
        CommandSpec(name: "overdue", usage: "overdue", summary: "cases whose statutory visit is overdue, with the rule and the last time the child was seen"),
        CommandSpec(name: "team", usage: "team [overdue]",
                    summary: "per worker: cases, overdue visits, drafts not finalised, late recordings, conflicts; 'team overdue' lists the overdue visits",
                    details: """
                    A supervisor's store holds the team's cases. drafts, overdue and conflicts count the cases each
                    worker now holds; late counts records against whoever wrote them. On a worker's laptop the table
                    covers only the cases that laptop holds.
                    """),
        CommandSpec(name: "not-seen-alone", usage: "not-seen-alone [--visits N]",
                    summary: "children not seen alone on any of their last N visits where they were seen (default 2), with the reasons recorded"),
        CommandSpec(name: "oversight", usage: "oversight CASE TEXT...",
                    summary: "record management oversight on a case (supervisors): attributed, final when saved; prints its id last"),
        CommandSpec(name: "late", usage: "late",
                    summary: "visits and notes written after the standard: statutory visits more than 2 working days after they happened, others more than 5 (see 'rules')"),
        CommandSpec(name: "rules", usage: "rules",
                    summary: "the visit and recording rules this device counts with: the council's, received by sync, or the shipped defaults",
                    details: """
                    The central peer's administrator sets them (fieldbook admin rules); each sync brings a newer
                    version. Before the first sync the shipped defaults apply.
                    """),
        CommandSpec(name: "case", usage: "case ID | case add ID child=NAME dob=DATE category=CP|CIN|CLA|PF [worker=NAME] [placement_start=DATE] [plan_start=DATE]",
                    summary: "show a case's summary and chronology, or add a case",
                    details: """
                    case ID          the case's details, allocation history and next statutory visit, then its
                                     visits, notes, amendments and oversight entries in date order.
                    case add ID ...  adds a case. ID is the local child id (letters, digits, '.', '_', '-').
                                     worker defaults to you. Dates are YYYY-MM-DD. long_term=yes marks a
                                     CLA placement intended to last until 18.
                    Example:
                      case add LA-1042 child="Jay Brooks" dob=2015-03-09 category=CLA placement_start=2026-10-01
                    """),
        CommandSpec(name: "visit", usage: "visit CASE date=WHEN type=TYPE [key=value ...]",
                    summary: "record a visit (saved as a draft); prints the new visit's id last",
                    details: """
                    Keys:
                      date          when it happened: YYYY-MM-DD, YYYY-MM-DDTHH:MM (local time), today or now (required)
                      type          \(RecordSchema.visitTypes.joined(separator: " | ")) (required)
                      seen          yes | no — was the child seen
                      alone         yes | no — was the child seen alone
                      alone_reason  \(RecordSchema.aloneReasons.joined(separator: " | ")) — why not seen alone
                      bedroom       yes | no — was the child's bedroom seen
                      present       who else was there
                      location      where the visit took place
                      wishes        the child's wishes and feelings, in their own words
                      observations, analysis, actions   free text
                    Quote values with spaces: wishes="wants to see his brother more".
                    On a terminal, required keys left out are asked for.
                    Example:
                      visit LA-1042 date=2026-11-20T15:30 type=statutory seen=yes alone=yes bedroom=yes
                    """),
        CommandSpec(name: "note", usage: "note CASE [category=CAT] [date=WHEN] TEXT...   |   note CASE  (then lines, ending with a lone '.')",
                    summary: "write a case note (saved as a draft); prints the new note's id last",
                    details: """
                    category is one of \(RecordSchema.noteCategories.joined(separator: ", ")) (default general);
                    date is when it happened (default now).
                    Example:
                      note LA-1042 category=phone Foster carer called: school trip went well.
                    """),
        CommandSpec(name: "edit", usage: "edit RECORD key=value ...",
                    summary: "change fields of a draft visit or note, or of a case; an empty value clears a field",
                    details: """
                    Keys, by the kind of record (help visit, help note and help case say what each takes):
                      visit  \(RecordType.visit.schema.keys.joined(separator: ", "))
                      note   \(RecordType.note.schema.keys.joined(separator: ", "))
                      case   \(RecordType.case.schema.keys.filter { $0 != "worker" }.joined(separator: ", "))
                    A case's worker is changed by the administrator (fieldbook admin assign). A field in
                    conflict is settled with resolve. Final records cannot be edited: correct them with amend.
                    """),
        CommandSpec(name: "finalise", aliases: ["finalize"], usage: "finalise RECORD",
                    summary: "make a draft visit or note final; after that it changes only by amendment",
                    details: """
                    A statutory visit is finalised only when it records whether the child was seen and, if
                    seen, whether alone (with alone_reason if not) and the child's wishes and feelings; the
                    error names what is missing. Fields in conflict must be resolved first.
                    """),
        CommandSpec(name: "amend", usage: "amend RECORD reason=TEXT key=value ...",
                    summary: "correct a final record with a dated amendment; the original stays visible",
                    details: """
                    The amendment is final when saved and prints its id last. show RECORD shows the corrected
                    values and the original ones; history RECORD shows every version.
                    Example:
                      amend 0193a2f4-5c2e reason="wrong date entered" date=2026-11-19
                    """),
        CommandSpec(name: "delete", usage: "delete RECORD reason=TEXT",
                    summary: "mark a draft visit or note deleted, with a reason (it stays in the history)"),
        CommandSpec(name: "show", usage: "show RECORD", summary: "show a record's fields, status, conflicts and amendments"),
        CommandSpec(name: "history", usage: "history RECORD",
                    summary: "every change of a record: when, who, which device, what was written, hash"),
        CommandSpec(name: "chronology", usage: "chronology CASE",
                    summary: "a case's whole record in time order, in full: visits, notes, amendments, oversight, allocations, resolutions, deletions",
                    details: """
                    Every entry in full, numbered, with who recorded it and when (occurred, recorded, received by
                    the central peer), its status, amendments beside the value they corrected, and unresolved
                    conflicts with every version. .mode csv and json give one row per entry.
                    Example:
                      chronology LA-1042
                    """),
        CommandSpec(name: "export", usage: "export CASE --format html|md|txt --output FILE [--force]",
                    summary: "write a case's record to a file for court or printing; prints the file's SHA-256",
                    details: """
                    The chronology in full, with the case's details and the store's verify result. html prints
                    on A4 with page numbers; txt is wrapped at 80 columns. The file is new, readable only by
                    you and written whole; an existing FILE is kept unless --force. --format may be left out
                    when FILE ends in .html, .md or .txt. The last line is the file's SHA-256 as sha256sum
                    prints it: keep it, and check a copy later with sha256sum.
                    Example:
                      export LA-1042 --format html --output LA-1042.html
                    """),
        CommandSpec(name: "search", usage: "search TEXT [--case ID] [--deleted] [--limit N]   |   search --rebuild",
                    summary: "visits, notes and oversight entries holding every word of TEXT, best match first, with the words in context",
                    details: """
                    Looks in a visit's wishes, observations, analysis, actions, present and location, and in the
                    text of notes and oversight entries; an amendment's corrected text counts for the record it
                    corrects, and every version of a field in conflict is searched. Capitals and accents do not
                    matter (zoe finds Zoë) and words are matched by their stem (visit finds visits, visited).
                    TEXT is taken as typed: quotes and other signs are ignored, so only words are looked for;
                    at most \(SearchTerms.maximumWords) words and \(SearchTerms.maximumCharacters) characters.
                    --case ID    only records of that case
                    --deleted    also records marked deleted (left out by default)
                    --limit N    show up to N records (default \(CaseStore.searchLimit), at most 1000)
                    --rebuild    make the search index again from the records (if verify reports it damaged)
                    Example:
                      search brother school --case LA-1042
                    """),
        CommandSpec(name: "drafts", usage: "drafts",
                    summary: "your draft visits and notes, oldest first: case, child, record, when it happened, days since you started it, id",
                    details: """
                    Each still needs finalise (or delete). 'finalise last' finalises the record you created last.
                    """),
        CommandSpec(name: "verify", usage: "verify",
                    summary: "check every hash chain and that the records equal a replay of the change log"),
        CommandSpec(name: "enrol", aliases: ["enroll"], usage: "enrol URL CODE",
                    summary: "connect this store to the central peer with a single-use code from your administrator",
                    details: """
                    After enrolment your changes are attributed to the enrolled user, and sync fetches your caseload.
                    Example:
                      enrol https://fieldbook.example.gov.uk K7QF-M2XP-9RTA
                    """),
        CommandSpec(name: "sync", usage: "sync",
                    summary: "push your pending changes, then pull everything new; ends with: pushed N, pulled M, conflicts K, rejected R",
                    details: """
                    After the counts, 'what arrived:' lists what came for you: cases new to this device or
                    reallocated, oversight entries, amendments and visits or notes by others, changes by
                    others to records you wrote, your own changes from another device, and records now in
                    conflict (the first few of each, and how many in all).
                    Safe to interrupt at any point: the next sync carries on where this one stopped, and
                    nothing is sent or applied twice. Cases no longer allocated to you leave this device
                    once your changes to them are on the central peer.
                    """),
        CommandSpec(name: "status", usage: "status", summary: "server, user, last sync, pending changes, conflicts, rejected changes"),
        CommandSpec(name: "conflicts", usage: "conflicts",
                    summary: "fields edited in two places at once: every version side by side, with author, device and time"),
        CommandSpec(name: "resolve", usage: "resolve RECORD FIELD keep=N|value=TEXT",
                    summary: "settle a conflict (a supervisor, or the author of a draft record); all versions stay in the history",
                    details: """
                    keep=N keeps version N as numbered by 'conflicts'; value=TEXT writes a new value.
                    Example:
                      resolve 01a2093f-5c2e wishes keep=2
                    """),
        CommandSpec(name: "rejected", usage: "rejected",
                    summary: "your changes the central peer quarantined, with its reasons (kept, never dropped)"),
        CommandSpec(name: "sql", usage: "sql SELECT ...",
                    summary: "read-only SQL over the views " + ReadOnlyViews.names.sorted().joined(separator: ", "),
                    details: """
                    The query runs on a read-only connection; SQLite refuses writes, ATTACH, PRAGMA and reads of
                    anything but the documented views (docs/SQL.md). At most \(ReadOnlyQuery.maximumRows) rows.
                    A query is stopped after \(Int(ReadOnlyQuery.timeLimit)) seconds; Ctrl-C stops it sooner.
                    One line is one query. A query goes on over the next lines, up to a line ending in ';',
                    when its first line is bare 'sql' or plainly unfinished (an open bracket or quote, or a
                    last word such as SELECT, FROM, WHERE, AND or a comma). .tables and .schema list the views.
                    Example:
                      sql SELECT case_id, occurred_at FROM visits WHERE seen_alone = 0
                      sql SELECT case_id, count(*) AS visits FROM
                      ....... visits GROUP BY case_id;
                    """),
        CommandSpec(name: ".mode", usage: ".mode table|csv|json|line", summary: "how tables are printed (now and for later commands)",
                    details: """
                    table  aligned columns, fitted to the window at a terminal (the default)
                    csv    RFC 4180, with a header line, for spreadsheets
                    json   an array of objects, one per row
                    line   each row as 'column = value' lines, rows apart by a blank line: long text whole
                    """),
        CommandSpec(name: ".tables", usage: ".tables", summary: "the views sql reads, with their rows and columns"),
        CommandSpec(name: ".schema", aliases: ["\\d"], usage: ".schema [VIEW]   (or \\d [VIEW])",
                    summary: "the columns of a view, or of every view, in order"),
        CommandSpec(name: ".output", usage: ".output [FILE]",
                    summary: "send results to a new FILE (0600) until '.output' alone; questions and errors stay on the screen",
                    details: """
                    The file must not exist yet. Results are written plain (no colour, not fitted to a window).
                    Example:
                      .mode csv
                      .output visits.csv
                      sql SELECT * FROM visits;
                      .output
                    """),
        CommandSpec(name: "help", aliases: ["\\?"], usage: "help [COMMAND]   (or \\?)", summary: "list commands, or explain one"),
        CommandSpec(name: "quit", aliases: ["exit"], usage: "quit", summary: "leave (Ctrl-D also works)"),
    ]

    static var names: [String] { all.map(\.name) }

    static func spec(_ name: String) -> CommandSpec? {
        all.first { $0.name == name || $0.aliases.contains(name) }
    }

    /// The command name closest to a mistyped one, if any is close.
    static func suggestion(for name: String) -> String? {
        let candidates = all.flatMap { [$0.name] + $0.aliases }
        let scored = candidates.map { ($0, distance($0, name)) }.min { $0.1 < $1.1 }
        guard let best = scored, best.1 <= max(1, name.count / 3) else { return nil }
        return spec(best.0)?.name
    }

    private static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        var beforePrevious = previous
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                // A swap of two neighbouring letters counts as one mistake.
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], beforePrevious[j - 2] + 1)
                }
            }
            beforePrevious = previous
            previous = current
        }
        return previous[b.count]
    }
}
