/// A minimal writer of one JSON object with its keys in a chosen order; JSONEncoder
/// cannot splice a raw value nor keep an order without sorting.
struct JSONTextWriter {
    enum Value {
        case string(String)
        case integer(Int64)
        case null
        case raw(String)
    }

    private(set) var text = ""
    private var first = true
    private let indent: String
    /// Before the closing brace: an object nested in another closes at its parent's indent.
    private let closingIndent: String
    private let compact: Bool

    init(indent: String = "  ", closingIndent: String = "", compact: Bool = false) {
        self.indent = indent
        self.closingIndent = closingIndent
        self.compact = compact
    }

    mutating func open() { text += "{" }

    mutating func field(_ key: String, _ value: Value) {
        text += first ? "" : ","
        text += compact ? (first ? "" : " ") : "\n" + indent
        first = false
        text += Self.quoted(key) + ": "
        switch value {
        case .string(let string): text += Self.quoted(string)
        case .integer(let number): text += String(number)
        case .null: text += "null"
        case .raw(let raw): text += raw
        }
    }

    mutating func close() { text += compact ? "}\n" : "\n" + closingIndent + "}\n" }

    static func quoted(_ string: String) -> String {
        var out = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F || (scalar.value >= 0x2028 && scalar.value <= 0x2029) {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
