/// The headers a signature covers, in canonical form: names lower-cased, values trimmed
/// with runs of spaces made one, repeated names joined with `,`, sorted by name, and
/// `host` always among them.
struct CanonicalHeaders {
    /// Sorted by name.
    let entries: [(name: String, value: String)]

    init(host: String, fields: [(name: String, value: String)]) {
        var byName: [String: [String]] = ["host": [host]]
        var order: [String] = ["host"]
        for (name, value) in fields {
            let lower = name.lowercased()
            guard lower != "host" else { continue }
            if byName[lower] == nil { order.append(lower) }
            byName[lower, default: []].append(Self.trimAll(value))
        }
        entries = order.sorted().map { ($0, byName[$0]!.joined(separator: ",")) }
    }

    /// `name:value\n` for each, which ends with the blank line the canonical request has.
    var canonicalBlock: String {
        entries.map { "\($0.name):\($0.value)\n" }.joined()
    }

    var signedHeaders: String {
        entries.map(\.name).joined(separator: ";")
    }

    /// Leading and trailing white space gone, each run inside made one space.
    static func trimAll(_ value: String) -> String {
        value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }).joined(separator: " ")
    }
}
