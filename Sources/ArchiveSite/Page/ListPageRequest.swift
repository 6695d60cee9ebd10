import Ledger
import VideoAPI

/// `GET /`'s query: the API's filters (`status`, `day`, `q`) and `cursor`, plus `back`,
/// the cursors of the pages before this one (the read model pages forward only), so that
/// "Previous" can go back without a cursor of its own. Bad values are the page's 400.
struct ListPageRequest {
    /// Pages remembered for "Previous"; older ones fall off (then "First page" is the way back).
    static let maxBack = 20
    static let names: Set<String> = ["status", "day", "q", "cursor", "back"]

    var query = TaskListQuery(limit: 25)
    /// The cursors of the earlier pages, oldest first; "" is the first page.
    var back: [String] = []

    struct Problem: Error, Equatable {
        var message: String
    }

    init(target: String) throws(Problem) {
        let pairs = QueryString(target: target)
        guard pairs.pairs.count <= QueryString.maxPairs else { throw Problem(message: "too many query parameters") }
        func value(_ name: String) throws(Problem) -> String? {
            guard let first = pairs.values(name).first else { return nil }
            guard let text = first else { throw Problem(message: "'\(name)' is not valid percent-encoded UTF-8") }
            return text.isEmpty ? nil : text
        }
        for name in pairs.names where !Self.names.contains(name) {
            throw Problem(message: "unknown query parameter '\(name)'")
        }
        if let text = try value("status") {
            guard let status = TaskStatus(rawValue: text) else {
                throw Problem(message: "status must be one of \(TaskStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            query.status = status
        }
        if let text = try value("day") {
            guard let day = UTCDay(text) else { throw Problem(message: "day must be a date as YYYY-MM-DD") }
            query.day = day
        }
        if let text = try value("q") {
            guard text.count <= TaskListQuery.maxSearchLength else {
                throw Problem(message: "the search is at most \(TaskListQuery.maxSearchLength) characters")
            }
            query.search = text
        }
        if let text = try value("cursor") {
            guard let cursor = TaskListCursor(token: text) else { throw Problem(message: "this page's cursor is not one the list gave") }
            query.after = cursor
        }
        if let text = try value("back") {
            let cursors = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard cursors.count <= Self.maxBack, cursors.allSatisfy({ $0 == "-" || TaskListCursor(token: $0) != nil }) else {
                throw Problem(message: "this page's way back is not one the list gave")
            }
            back = cursors.map { $0 == "-" ? "" : $0 }
        }
    }

    /// The list with the same filters, starting after `after` (nil: the first page).
    func link(after: String?, back: [String]) -> String {
        var pairs: [(String, String)] = []
        if let status = query.status { pairs.append(("status", status.rawValue)) }
        if let day = query.day { pairs.append(("day", day.description)) }
        if let search = query.search { pairs.append(("q", search)) }
        if let after { pairs.append(("cursor", after)) }
        let kept = back.suffix(Self.maxBack)
        if after != nil, !kept.isEmpty {
            // "-" stands for the first page, which has no cursor; "." is in no cursor.
            pairs.append(("back", kept.map { $0.isEmpty ? "-" : $0 }.joined(separator: ".")))
        }
        guard !pairs.isEmpty else { return "/" }
        return "/?" + pairs.map { $0.0 + "=" + Self.percentEncoded($0.1) }.joined(separator: "&")
    }

    /// Everything but unreserved characters percent-encoded (RFC 3986 §2.3).
    static func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(Character(UnicodeScalar(byte)))
            default:
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }
}

private extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
