/// Everything the store refuses, with a message a user can act on. Whenever a store method throws, nothing
/// was written: every write runs in one transaction.
public enum StoreError: Error, Equatable, CustomStringConvertible {
    case invalidAuthor(String)
    case invalidCaseID(String)
    case caseExists(String)
    case noSuchCase(String, known: [String])
    case noSuchRecord(String)
    /// A view name that is not one of the documented views.
    case noSuchView(String)
    case prefixTooShort(String)
    case ambiguousPrefix(String, matches: [String])
    case unknownKey(String, type: RecordType, valid: [String])
    case invalidValue(key: String, value: String, expected: String)
    case missingFields([String], type: RecordType)
    case inconsistent(String)
    case notEditable(id: String, reason: String)
    case nothingToDo(String)
    case fieldInConflict(id: String, field: String)
    /// The merged record breaks a rule spanning fields (``VisitConsistency``); the fields and the rule.
    case brokenRule(id: String, fields: [String], rule: String)
    case query(String)
    case storeUnreadable(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidAuthor(let name):
            return "'\(name)' is not a usable user name: use 1 to 64 letters, digits, '.', '_', '-' or '@'"
        case .invalidCaseID(let id):
            return "'\(id)' is not a usable case id: use 1 to 40 letters, digits, '.', '_' or '-', starting with a letter or digit, not in the form of a UUID (record ids have that form)"
        case .caseExists(let id):
            return "case \(id) already exists"
        case .noSuchCase(let id, let known):
            let list = known.isEmpty ? "there are no cases yet (case add ...)" : "known cases: " + Self.list(known)
            return "no case \(id); \(list)"
        case .noSuchRecord(let id):
            return "no record matches '\(id)'"
        case .noSuchView(let name):
            return "no view '\(name)': the views are \(ReadOnlyViews.names.sorted().joined(separator: ", ")) ('.tables' lists them)"
        case .prefixTooShort(let prefix):
            return "'\(prefix)' is too short to name a record: give the full id or at least 6 characters of it"
        case .ambiguousPrefix(let prefix, let matches):
            return "'\(prefix)' matches several records: " + Self.list(matches) + "; give more characters"
        case .unknownKey(let key, let type, let valid):
            return "unknown key '\(key)' for a \(type.rawValue); valid keys: " + valid.joined(separator: ", ")
        case .invalidValue(let key, let value, let expected):
            return "\(key)=\(value) is not valid: expected \(expected)"
        case .missingFields(let keys, let type):
            return "a \(type.rawValue) needs " + keys.joined(separator: ", ") + " (missing)"
        case .inconsistent(let message):
            return message
        case .notEditable(let id, let reason):
            return "\(id) cannot be changed: \(reason)"
        case .nothingToDo(let message):
            return message
        case .fieldInConflict(let id, let field):
            return "\(field) of \(id) is in conflict: resolve it first (see 'conflicts')"
        case .brokenRule(let id, let fields, let rule):
            return "\(fields.joined(separator: " and ")) of \(id) are in conflict after merging edits: \(rule); fix it with edit (or resolve) first"
        case .query(let message):
            return message
        case .storeUnreadable(let path, let reason):
            return "cannot open the store at \(path): \(reason)"
        }
    }

    private static func list(_ items: [String]) -> String {
        items.count <= 12 ? items.joined(separator: ", ") : items.prefix(12).joined(separator: ", ") + ", ..."
    }
}
