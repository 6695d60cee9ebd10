import Logging

/// Turns one event into one logfmt line:
/// `ts=… level=info event=callback.accepted task_id=… key=value …`.
///
/// The line is the unit an operator greps, so whatever a peer sent (a header, a task id,
/// an error message) must not be able to end it early, start a forged one, or drive the
/// terminal that shows it: every control character is escaped and the value quoted.
///
/// The line is built as UTF-8 bytes, not a String: one is written per callback, and
/// appending scalar by scalar to a String cost more than the rest of the answer's
/// bookkeeping. A value of plain printable ASCII (almost every one) is copied whole.
enum LogfmtEncoder {
    /// Keys the line itself uses; metadata with the same name is written as `_<key>` so
    /// that a line never has two `level=`.
    static let reservedKeys: Set<String> = ["ts", "level", "event"]

    /// The key put right after `event` so that lines about a task line up.
    static let taskIDKey = "task_id"

    static func line(
        timestamp: String,
        level: Logger.Level,
        event: String,
        metadata: Logger.Metadata,
        redactor: SecretRedactor?
    ) -> String {
        String(decoding: bytes(timestamp: timestamp, level: level, event: event, metadata: metadata,
                               redactor: redactor),
               as: UTF8.self)
    }

    /// The same line as UTF-8, without the newline; what the log file writes.
    static func bytes(
        timestamp: String,
        level: Logger.Level,
        event: String,
        metadata: Logger.Metadata,
        redactor: SecretRedactor?
    ) -> [UInt8] {
        var line: [UInt8] = []
        line.reserveCapacity(256)
        appendRaw("ts=", to: &line)
        appendRaw(timestamp, to: &line)
        appendRaw(" level=", to: &line)
        appendRaw(level.rawValue, to: &line)
        appendRaw(" event=", to: &line)
        appendValue(redact(event, redactor), to: &line)

        var fields: [(key: String, value: String)] = []
        fields.reserveCapacity(metadata.count)
        for (key, value) in metadata {
            flatten(key: key, value: value, into: &fields)
        }
        fields.sort { lhs, rhs in
            let lhsFirst = lhs.key == taskIDKey
            let rhsFirst = rhs.key == taskIDKey
            if lhsFirst != rhsFirst { return lhsFirst }
            return lhs.key < rhs.key
        }
        for field in fields {
            line.append(UInt8(ascii: " "))
            appendRaw(sanitizedKey(redact(field.key, redactor)), to: &line)
            line.append(UInt8(ascii: "="))
            appendValue(redact(field.value, redactor), to: &line)
        }
        return line
    }

    private static func redact(_ text: String, _ redactor: SecretRedactor?) -> String {
        redactor?.redact(text) ?? text
    }

    private static func appendRaw(_ text: String, to line: inout [UInt8]) {
        line.append(contentsOf: text.utf8)
    }

    /// A dictionary becomes dotted keys (`usage.credits=…`), a list a comma-separated
    /// value: logfmt has neither.
    private static func flatten(key: String, value: Logger.MetadataValue,
                                into fields: inout [(key: String, value: String)]) {
        switch value {
        case .string(let text):
            fields.append((key, text))
        case .stringConvertible(let convertible):
            fields.append((key, convertible.description))
        case .array(let values):
            fields.append((key, values.map(flatText).joined(separator: ",")))
        case .dictionary(let dictionary):
            for (subkey, subvalue) in dictionary {
                flatten(key: key + "." + subkey, value: subvalue, into: &fields)
            }
        }
    }

    private static func flatText(_ value: Logger.MetadataValue) -> String {
        switch value {
        case .string(let text): text
        case .stringConvertible(let convertible): convertible.description
        case .array(let values): "[" + values.map(flatText).joined(separator: ",") + "]"
        case .dictionary(let dictionary):
            "{" + dictionary.keys.sorted().map { "\($0):\(flatText(dictionary[$0]!))" }
                .joined(separator: ",") + "}"
        }
    }

    /// Keys come from our own code, but a key taken from outside must not break the line
    /// either: anything but letters, digits and `_ . - /` becomes `_`.
    static func sanitizedKey(_ key: String) -> String {
        guard !key.isEmpty else { return "_" }
        guard !key.utf8.allSatisfy(isKeyByte) else {
            return reservedKeys.contains(key) ? "_" + key : key
        }
        var result = ""
        for scalar in key.unicodeScalars {
            if scalar.isASCII && isKeyByte(UInt8(scalar.value)) {
                result.unicodeScalars.append(scalar)
            } else {
                result += "_"
            }
        }
        return reservedKeys.contains(result) ? "_" + result : result
    }

    private static func isKeyByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "."),
             UInt8(ascii: "-"), UInt8(ascii: "/"):
            true
        default:
            false
        }
    }

    /// Appends a value bare when it is a plain word, otherwise quoted with `\"`, `\\`,
    /// `\n`, `\r`, `\t` and `\u00XX` escapes (the JSON forms, which every logfmt reader
    /// and `jq` understand).
    static func appendValue(_ value: String, to line: inout [UInt8]) {
        // Printable ASCII but for the space, `=`, `"` and `\` is a plain word; anything
        // else (a non-ASCII byte included) goes through the scalar check below.
        if !value.isEmpty && value.utf8.allSatisfy(isPlainByte) {
            line.append(contentsOf: value.utf8)
            return
        }
        guard value.unicodeScalars.contains(where: needsQuoting) || value.isEmpty else {
            line.append(contentsOf: value.utf8)
            return
        }
        line.append(UInt8(ascii: "\""))
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": appendRaw("\\\"", to: &line)
            case "\\": appendRaw("\\\\", to: &line)
            case "\n": appendRaw("\\n", to: &line)
            case "\r": appendRaw("\\r", to: &line)
            case "\t": appendRaw("\\t", to: &line)
            default:
                if isEscaped(scalar) {
                    appendRaw(unicodeEscape(scalar), to: &line)
                } else {
                    UTF8.encode(scalar) { line.append($0) }
                }
            }
        }
        line.append(UInt8(ascii: "\""))
    }

    private static func isPlainByte(_ byte: UInt8) -> Bool {
        byte > 0x20 && byte < 0x7F && byte != UInt8(ascii: "=") && byte != UInt8(ascii: "\"")
            && byte != UInt8(ascii: "\\")
    }

    private static func needsQuoting(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "=" || scalar == "\"" || scalar == "\\" || isEscaped(scalar)
            // U+FFFD marks bytes that were not UTF-8; quoting shows the value was repaired.
            || scalar == "\u{FFFD}"
    }

    /// C0 controls, DEL, C1 controls (0x9B is a one-byte CSI to some terminals) and the
    /// Unicode line and paragraph separators, which some viewers break lines on.
    static func isEscaped(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        return value < 0x20 || (0x7F...0x9F).contains(value) || value == 0x2028 || value == 0x2029
    }

    private static func unicodeEscape(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16)
        return "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
