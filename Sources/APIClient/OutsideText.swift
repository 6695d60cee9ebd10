/// Text from outside (an API error message, a URL typed by hand) made fit for a
/// message, a terminal and a log line: cut to a length, control characters escaped,
/// and the API key, should the API ever echo it, replaced.
public enum OutsideText {
    public static func clean(_ text: String, limit: Int = 300, redacting secret: String? = nil) -> String {
        var text = text
        if let secret, !secret.isEmpty {
            text = text.replacingOccurrences(of: secret, with: "[redacted]")
        }
        var out = ""
        var count = 0
        for scalar in text.unicodeScalars {
            if count == limit { return out + "…" }
            if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
            count += 1
        }
        return out
    }
}
