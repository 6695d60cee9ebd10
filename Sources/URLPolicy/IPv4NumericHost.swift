/// Reads a host the way resolvers read numbers: `inet_aton(3)`, which `getaddrinfo`,
/// curl and browsers (the WHATWG URL standard) follow. One to four dot-separated parts,
/// each decimal, octal (leading `0`) or hex (leading `0x`); the last part fills the
/// bytes that remain, so `127.1` is 127.0.0.1 and `2130706433` is too.
///
/// A host whose last label is a number is an IPv4 address or nothing: `1.2.3.999` is
/// not a name to look up but a malformed address, as the WHATWG standard says. That
/// closes the gap where one parser sees a number and another a name.
enum IPv4NumericHost {
    enum Reading: Equatable {
        /// The last label is not a number: the host is a name.
        case notNumeric
        case address(IPAddress)
        /// It reads as a number but is no valid address; the reason says why.
        case invalid(String)
    }

    /// Reads a lower-cased host with at most its one trailing dot already removed.
    static func read(_ host: String) -> Reading {
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard let last = parts.last, looksNumeric(last) else { return .notNumeric }
        guard parts.count <= 4 else {
            return .invalid("it has \(parts.count) dot-separated parts, and an IPv4 address at most 4")
        }
        var values: [UInt64] = []
        for part in parts {
            guard let value = number(part) else {
                return .invalid("part \"\(part)\" is not a decimal, octal (0...) or hex (0x...) number")
            }
            values.append(value)
        }
        // Every part but the last is one byte; the last fills the bytes that remain.
        for (part, value) in zip(parts, values).dropLast() where value > 0xff {
            return .invalid("part \"\(part)\" is over 255")
        }
        let lastBits = 8 * (5 - values.count)
        let lastValue = values[values.count - 1]
        if lastValue >> lastBits != 0 {
            return .invalid("its last part \"\(last)\" does not fit in the \(lastBits / 8) byte(s) left")
        }
        var address = lastValue
        for (index, value) in values.dropLast().enumerated() {
            address |= value << (8 * (3 - index))
        }
        return .address(IPAddress(v4: UInt32(address)))
    }

    /// The WHATWG "ends in a number" test: all decimal digits, or `0x` and hex digits.
    private static func looksNumeric(_ label: Substring) -> Bool {
        guard !label.isEmpty else { return false }
        if label.utf8.allSatisfy(\.isASCIIDigit) { return true }
        guard label.hasPrefix("0x") else { return false }
        return label.utf8.dropFirst(2).allSatisfy(\.isASCIIHexDigit)
    }

    /// One part as `inet_aton` reads it; nil when it is empty or has a bad digit. A value
    /// too large for any part comes back as `UInt64.max`, refused by the caller as too
    /// large. `0x` with no digits is refused: glibc and WHATWG disagree on it.
    private static func number(_ part: Substring) -> UInt64? {
        let radix: Int, digits: Substring
        if part.hasPrefix("0x") {
            radix = 16
            digits = part.dropFirst(2)
        } else if part.hasPrefix("0") && part.count > 1 {
            radix = 8
            digits = part.dropFirst()
        } else {
            radix = 10
            digits = part
        }
        // Swift's integer parsing takes a sign; inet_aton does not.
        guard !digits.isEmpty, digits.utf8.allSatisfy(\.isASCIIHexDigit) else { return nil }
        // Leading zeros cannot overflow; strip them so a long run of them still parses.
        let significant = digits.drop { $0 == "0" }
        if significant.isEmpty { return 0 }
        guard let value = UInt64(significant.prefix(12), radix: radix) else { return nil }
        return significant.count > 12 ? UInt64.max : value
    }
}
