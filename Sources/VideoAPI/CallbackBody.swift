import Foundation

/// Sorts a callback body into a task, an unrecognized body or a hostile one
/// (see ``DecodedCallback`` for what the intake does with each).
///
/// The decisions, in order:
/// 1. Not JSON, or JSON that is not an object: hostile, `param` "body".
/// 2. An `id` string that is not safe as a file name (``TaskID``): hostile, "id".
///    Unsafe is dangerous, not merely unknown: the id is about to become a file name.
/// 3. A `results` string that is not an absolute http(s) URL, is longer than
///    ``maxResultURLLength`` or holds whitespace or a control character: hostile,
///    "results". The API only ever sends links to fetch; anything else (`file:`, a
///    path, a smuggled header) is not a link the daemon will hold on to.
/// 4. No `id`, or one that is not a string: unrecognized. Without an id there is no task
///    to record, but nothing is dangerous.
/// 5. No `status`, a status that is not a string (`42`), or one the daemon does not
///    know: unrecognized. A newer API may add statuses; storing the body keeps it.
/// 6. `results` that is not an array of strings: unrecognized (a shape the daemon does
///    not understand, not an attack).
/// 7. `completed` with no result URL: unrecognized. There is nothing to download, and
///    recording it as completed would leave a completed task with no download job.
///    The stored body and the reconciler (which asks the API about tasks with no
///    terminal state) are how such a task is recovered.
///
/// Hostile checks come first, so an unsafe id is refused whatever else the body holds.
public enum CallbackBody {
    /// Longest result URL accepted. Signed CDN links run to a few hundred characters;
    /// 8 KiB leaves room and still bounds what one URL can make the daemon hold.
    public static let maxResultURLLength = 8192

    /// Longest piece of a value from outside echoed in a reason.
    static let maxEchoLength = 64

    public static func classify(_ body: Data) -> DecodedCallback {
        let value: JSONValue
        do {
            value = try JSONValue(parsing: body)
        } catch {
            if body.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
                return .hostile(reason: "the body is empty; a callback carries a JSON task object",
                                param: "body")
            }
            return .hostile(reason: "the body is not valid JSON; a callback carries a JSON task object",
                            param: "body")
        }
        guard let fields = value.objectValue else {
            return .hostile(reason: "the body is JSON but \(value.typeName), not an object; a callback carries a task object",
                            param: "body")
        }
        if let hostile = hostileField(in: fields) { return hostile }
        return recognize(fields, rawBody: body)
    }

    public static func classify(_ body: [UInt8]) -> DecodedCallback {
        classify(Data(body))
    }

    private static func hostileField(in fields: [String: JSONValue]) -> DecodedCallback? {
        if case .string(let id)? = fields["id"] {
            do {
                _ = try TaskID(validating: id)
            } catch {
                return .hostile(reason: error.description, param: "id")
            }
        }
        if let items = fields["results"]?.arrayValue {
            for (index, item) in items.enumerated() {
                guard case .string(let url) = item else { continue }
                if let problem = resultURLProblem(url) {
                    return .hostile(reason: "results[\(index)] \(problem)", param: "results")
                }
            }
        }
        return nil
    }

    private static func recognize(_ fields: [String: JSONValue], rawBody: Data) -> DecodedCallback {
        guard let idValue = fields["id"], idValue != .null else {
            return .unrecognized(reason: "the body has no task id")
        }
        guard case .string(let idString) = idValue, let id = TaskID(idString) else {
            return .unrecognized(reason: "the task id is \(idValue.typeName), not a string")
        }
        guard let statusValue = fields["status"], statusValue != .null else {
            return .unrecognized(reason: "the body has no status")
        }
        guard case .string(let statusString) = statusValue else {
            return .unrecognized(reason: "the status is \(statusValue.typeName), not a string")
        }
        guard let status = TaskStatus(rawValue: statusString) else {
            let known = TaskStatus.allCases.map(\.rawValue).joined(separator: ", ")
            return .unrecognized(reason: "unknown status \"\(echo(statusString))\"; known: \(known)")
        }
        var results: [String] = []
        if let resultsValue = fields["results"], resultsValue != .null {
            guard let items = resultsValue.arrayValue else {
                return .unrecognized(reason: "results is \(resultsValue.typeName), not an array of URLs")
            }
            for (index, item) in items.enumerated() {
                guard case .string(let url) = item else {
                    return .unrecognized(reason: "results[\(index)] is \(item.typeName), not a URL string")
                }
                results.append(url)
            }
        }
        if status == .completed && results.isEmpty {
            return .unrecognized(reason: "a completed task with no result URL: nothing to download")
        }
        return .task(ValidatedTask(id: id, status: status, results: results,
                                   object: TaskObject(json: fields), rawBody: rawBody))
    }

    /// Why a result is not a URL the daemon keeps, or nil when it is one.
    static func resultURLProblem(_ string: String) -> String? {
        if string.utf8.count > maxResultURLLength {
            return "is \(string.utf8.count) bytes long; at most \(maxResultURLLength) are allowed"
        }
        for scalar in string.unicodeScalars where isSpaceOrControl(scalar) {
            return "contains whitespace or a control character (U+\(String(scalar.value, radix: 16, uppercase: true)))"
        }
        guard let url = URL(string: string), let scheme = url.scheme?.lowercased() else {
            return "is not an absolute URL"
        }
        guard scheme == "https" || scheme == "http" else {
            return "has scheme \"\(echo(scheme))\"; only http and https links are fetched"
        }
        guard let host = url.host, !host.isEmpty else {
            return "has no host"
        }
        return nil
    }

    private static func isSpaceOrControl(_ scalar: Unicode.Scalar) -> Bool {
        // ASCII (every byte of almost every URL) is decided without the Unicode
        // property lookup, which costs more than the rest of the check.
        if scalar.isASCII { return scalar.value <= 0x20 || scalar.value == 0x7F }
        return (0x80...0x9F).contains(scalar.value) || scalar.properties.isWhitespace
    }

    /// A value from outside, cut and with control characters escaped, fit for a reason
    /// that ends up in a log line and an HTTP answer.
    static func echo(_ string: String) -> String {
        var out = ""
        var count = 0
        for scalar in string.unicodeScalars {
            if count == maxEchoLength { return out + "…" }
            if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar == "\"" || scalar == "\\" {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
            count += 1
        }
        return out
    }
}
