/// The text forms of an address: strict parsing (as `inet_pton` reads it) and the
/// canonical form of RFC 5952 for printing.
extension IPAddress: CustomStringConvertible {
    /// Parses dotted-decimal IPv4 (`192.0.2.1`, four parts, no leading zeros) or IPv6
    /// text (`2001:db8::1`, `::ffff:192.0.2.1`), as `inet_pton` does. No brackets, zone
    /// or port. The lenient numeric forms that resolvers accept (`127.1`, `0x7f000001`)
    /// are read by `IPv4NumericHost`, not here.
    public init?(_ text: String) {
        if let value = Self.parseDottedDecimal(Substring(text)) {
            self.init(v4: value)
        } else if let value = Self.parseIPv6(Substring(text)) {
            self.init(v6: value)
        } else {
            return nil
        }
    }

    /// `192.0.2.1`, or for IPv6 the RFC 5952 form: lower-case hex, no leading zeros, the
    /// longest run of zero groups shortened to `::`, and IPv4-mapped addresses written
    /// `::ffff:192.0.2.1`.
    public var description: String {
        switch storage {
        case .v4(let value):
            return Self.dottedDecimal(value)
        case .v6(let value):
            if value >> 32 == 0xffff {
                return "::ffff:" + Self.dottedDecimal(UInt32(truncatingIfNeeded: value))
            }
            return Self.compressedIPv6(value)
        }
    }

    static func dottedDecimal(_ value: UInt32) -> String {
        (0..<4).map { String(UInt8(truncatingIfNeeded: value >> (8 * (3 - $0)))) }
            .joined(separator: ".")
    }

    static func compressedIPv6(_ value: UInt128) -> String {
        let groups = (0..<8).map { UInt16(truncatingIfNeeded: value >> (16 * (7 - $0))) }
        // RFC 5952 4.2: shorten the longest run of two or more zero groups, the first
        // one on a tie.
        var bestStart = -1, bestLength = 0, index = 0
        while index < 8 {
            guard groups[index] == 0 else { index += 1; continue }
            var end = index
            while end < 8 && groups[end] == 0 { end += 1 }
            if end - index > bestLength { bestStart = index; bestLength = end - index }
            index = end
        }
        let hex = groups.map { String($0, radix: 16) }
        guard bestLength >= 2 else { return hex.joined(separator: ":") }
        let head = hex[..<bestStart].joined(separator: ":")
        let tail = hex[(bestStart + bestLength)...].joined(separator: ":")
        return head + "::" + tail
    }

    /// Four decimal parts of 0...255 with no leading zeros, as `inet_pton` reads them.
    static func parseDottedDecimal(_ text: Substring) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard (1...3).contains(part.utf8.count), part.utf8.allSatisfy(\.isASCIIDigit),
                  part.utf8.count == 1 || part.utf8.first != UInt8(ascii: "0"),
                  let byte = UInt8(part) else { return nil }
            value = value << 8 | UInt32(byte)
        }
        return value
    }

    /// RFC 4291 2.2 text: eight groups of one to four hex digits, at most one `::`, and
    /// optionally a dotted-decimal IPv4 address in place of the last two groups.
    static func parseIPv6(_ text: Substring) -> UInt128? {
        // The longest valid form is "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255".
        guard text.utf8.count >= 2, text.utf8.count <= 45 else { return nil }
        let head: Substring, tail: Substring?
        if let gap = text.firstRange(of: "::") {
            head = text[..<gap.lowerBound]
            tail = text[gap.upperBound...]
            if tail!.contains("::") { return nil }
        } else {
            head = text
            tail = nil
        }
        guard var headGroups = groups(of: head, mayEndInIPv4: tail == nil) else { return nil }
        var tailGroups: [UInt16] = []
        if let tail {
            guard let parsed = groups(of: tail, mayEndInIPv4: true) else { return nil }
            tailGroups = parsed
            // "::" stands for at least one zero group.
            guard headGroups.count + tailGroups.count <= 7 else { return nil }
            headGroups += Array(repeating: 0, count: 8 - headGroups.count - tailGroups.count)
        } else {
            guard headGroups.count == 8 else { return nil }
        }
        return (headGroups + tailGroups).reduce(UInt128(0)) { $0 << 16 | UInt128($1) }
    }

    /// The 16-bit groups of one side of an IPv6 address; an IPv4 tail counts as two.
    private static func groups(of text: Substring, mayEndInIPv4: Bool) -> [UInt16]? {
        if text.isEmpty { return [] }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        var groups: [UInt16] = []
        for (index, part) in parts.enumerated() {
            if index == parts.count - 1, mayEndInIPv4, part.contains(".") {
                guard let v4 = parseDottedDecimal(part) else { return nil }
                groups += [UInt16(v4 >> 16), UInt16(truncatingIfNeeded: v4)]
                continue
            }
            guard (1...4).contains(part.utf8.count), part.utf8.allSatisfy(\.isASCIIHexDigit),
                  let group = UInt16(part, radix: 16) else { return nil }
            groups.append(group)
        }
        return groups
    }
}

extension UInt8 {
    var isASCIIDigit: Bool { self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9") }

    var isASCIIHexDigit: Bool {
        isASCIIDigit || ((self | 0x20) >= UInt8(ascii: "a") && (self | 0x20) <= UInt8(ascii: "f"))
    }
}
