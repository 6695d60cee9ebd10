/// Text from outside made safe to print on a terminal: control characters (an escape
/// sequence could rewrite the screen or the title) become visible `\u{..}` escapes,
/// and a newline `\n`, so one value stays on one line.
enum TerminalText {
    static func escape(_ text: String) -> String {
        var out = ""
        out.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x0A:
                out += "\\n"
            case 0x00..<0x20, 0x7F...0x9F:
                out += "\\u{\(String(scalar.value, radix: 16))}"
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
