/// The grammar of a Host field value, `uri-host [ ":" port ]` (RFC 9112 §3.2, RFC 9110
/// §7.2, RFC 3986 §3.2.2 and §3.2.3), checked on the value's bytes without copying them.
/// RFC 9112 §3.2 asks for 400 on a Host field with an invalid value: a server and a proxy
/// that read a malformed Host differently route the same request to different places.
///
///     uri-host    = IP-literal / IPv4address / reg-name
///     IP-literal  = "[" ( IPv6address / IPvFuture ) "]"
///     reg-name    = *( unreserved / pct-encoded / sub-delims )
///     port        = *DIGIT
///
/// An IPv4address is also a reg-name, so dotted quads need no check of their own. These
/// choices are stricter than RFC 3986 (or its RFC 6874 extension), each for a request no
/// real client sends:
/// - A ',' (a sub-delim) is refused, in a reg-name and in an IPvFuture alike: Host is a
///   single value (RFC 9110 §7.2), and a comma is what two Host fields look like once an
///   intermediary has joined them into a list.
/// - An empty port after ':' is refused, and so is an empty host before a port (":80"):
///   issue 18 asks for 400 on "an empty or non-numeric port", and a port is meaningless
///   without a host. A port over 65535 is refused too.
/// - A zone identifier in an IPv6 literal (RFC 6874, "[fe80::1%25eth0]") is refused, as
///   RFC 3986 does: it means nothing outside the client's own host.
/// An empty value is allowed: RFC 9110 §7.2 has a client send one when the target URI
/// has no authority.
enum HostFieldValue {
    /// Throws a 400 saying what is wrong with `value` (OWS already trimmed).
    static func validate(_ value: UnsafeBufferPointer<UInt8>) throws(HTTPRequestError) {
        if let problem = problem(in: value) {
            throw .badRequest("invalid Host header: \(problem)", param: "host")
        }
    }

    /// What is wrong with `value`, or nil when it is a valid `uri-host [ ":" port ]`.
    static func problem(in value: UnsafeBufferPointer<UInt8>) -> String? {
        let end = value.count
        guard end > 0 else { return nil }
        let hostEnd: Int
        if value[0] == HTTPGrammar.openBracket {
            guard let close = index(of: HTTPGrammar.closeBracket, in: value, from: 1, to: end) else {
                return "the IP literal has no closing ']'"
            }
            if index(of: HTTPGrammar.comma, in: value, from: 1, to: close) != nil {
                return "',' is not allowed: Host takes one host, not a list (RFC 9110 §7.2)"
            }
            guard isIPLiteralContent(value, from: 1, to: close) else {
                return "the IP literal is not an IPv6 address or IPvFuture (RFC 3986 §3.2.2)"
            }
            hostEnd = close + 1
            guard hostEnd == end || value[hostEnd] == HTTPGrammar.colon else {
                return "\(HTTPGrammar.describe(value[hostEnd])) follows the IP literal; only ':' and a port may"
            }
        } else {
            switch scanRegName(value, to: end) {
            case .end(let index): hostEnd = index
            case .problem(let problem): return problem
            }
        }
        guard hostEnd < end else { return nil }
        // value[hostEnd] is the ':' before the port. The port is judged first, so that an
        // unbracketed IPv6 address ("::1") is told about its brackets.
        if let problem = portProblem(value, from: hostEnd + 1, to: end) { return problem }
        return hostEnd == 0 ? "the host before the port is empty" : nil
    }

    // MARK: - reg-name

    private enum RegNameScan {
        /// The index of the ':' before the port, or the value's end.
        case end(Int)
        case problem(String)
    }

    /// One pass over the reg-name, which ends at the first ':' (the Host value is on
    /// every request, so the common case is one mask test per byte).
    private static func scanRegName(_ value: UnsafeBufferPointer<UInt8>, to end: Int) -> RegNameScan {
        var i = 0
        while i < end {
            let byte = value[i]
            if isRegNameByte(byte) {
                i += 1
            } else if byte == HTTPGrammar.colon {
                return .end(i)
            } else if byte == HTTPGrammar.percent {
                // pct-encoded = "%" HEXDIG HEXDIG (RFC 3986 §2.1)
                guard i + 2 < end, HTTPGrammar.hexValue(value[i + 1]) != nil, HTTPGrammar.hexValue(value[i + 2]) != nil
                else { return .problem("'%' is not followed by two hexadecimal digits") }
                i += 3
            } else {
                return .problem(regNameProblem(byte))
            }
        }
        return .end(end)
    }

    private static func regNameProblem(_ byte: UInt8) -> String {
        if byte == HTTPGrammar.comma {
            return "',' is not allowed: Host takes one host, not a list (RFC 9110 §7.2)"
        }
        if HTTPGrammar.isWhitespace(byte) {
            return "whitespace (\(HTTPGrammar.describe(byte))) is not allowed inside the value"
        }
        return "\(HTTPGrammar.describe(byte)) is not allowed in a host name (RFC 3986 §3.2.2)"
    }

    // unreserved / sub-delims (RFC 3986 §2.2, §2.3) without ',': ALPHA DIGIT "-" "." "_"
    // "~" "!" "$" "&" "'" "(" ")" "*" "+" ";" "=", as bit masks over bytes 0-63 and 64-127
    // (the test suite checks them against that list).
    private static let regNameMaskLow: UInt64 = 0x2bff_6fd2_0000_0000
    private static let regNameMaskHigh: UInt64 = 0x47ff_fffe_87ff_fffe

    @inline(__always)
    static func isRegNameByte(_ byte: UInt8) -> Bool {
        if byte < 64 { return (regNameMaskLow >> UInt64(byte)) & 1 == 1 }
        if byte < 128 { return (regNameMaskHigh >> UInt64(byte &- 64)) & 1 == 1 }
        return false
    }

    // MARK: - port

    /// port = 1*DIGIT here (see the type's comment), at most 65535.
    private static func portProblem(_ value: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> String? {
        guard start < end else { return "the port after ':' is empty" }
        var port = 0
        for i in start..<end {
            let byte = value[i]
            guard isDigit(byte) else {
                if index(of: HTTPGrammar.colon, in: value, from: i, to: end) != nil {
                    return "the port is not a number (an IPv6 address must be enclosed in '[' and ']')"
                }
                return "the port is not a number"
            }
            port = port * 10 + Int(byte &- 0x30)
            // Checked per digit, so a long run of digits cannot overflow.
            if port > 65535 { return "the port is larger than 65535" }
        }
        return nil
    }

    // MARK: - IP-literal

    /// IPv6address / IPvFuture, the bytes between '[' and ']'.
    private static func isIPLiteralContent(_ value: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Bool {
        guard start < end else { return false }
        if value[start] | 0x20 == UInt8(ascii: "v") { return isIPvFuture(value, from: start + 1, to: end) }
        return isIPv6Address(value, from: start, to: end)
    }

    /// IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" ), after the "v";
    /// the ',' among sub-delims was refused before (see the type's comment).
    private static func isIPvFuture(_ value: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Bool {
        var i = start
        while i < end, HTTPGrammar.hexValue(value[i]) != nil { i += 1 }
        guard i > start, i < end, value[i] == UInt8(ascii: ".") else { return false }
        i += 1
        guard i < end else { return false }
        while i < end {
            let byte = value[i]
            guard isRegNameByte(byte) || byte == HTTPGrammar.colon else { return false }
            i += 1
        }
        return true
    }

    /// RFC 3986 §3.2.2's nine IPv6address forms come to this: groups of 1 to 4 hex digits
    /// separated by ':', at most one "::" standing for one or more zero groups, and an
    /// IPv4address allowed as the last part, counting as two groups. Without "::" there
    /// are exactly 8 groups; with it, at most 7.
    static func isIPv6Address(_ value: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Bool {
        var i = start
        var groups = 0
        var compressed = false
        if end - i >= 2, value[i] == HTTPGrammar.colon, value[i + 1] == HTTPGrammar.colon {
            compressed = true
            i += 2
            if i == end { return true }
        }
        while true {
            let groupStart = i
            while i < end, i - groupStart < 5, HTTPGrammar.hexValue(value[i]) != nil { i += 1 }
            if i < end, value[i] == UInt8(ascii: ".") {
                // ls32 as an IPv4address: it must be the rest of the literal.
                guard isIPv4Address(value, from: groupStart, to: end) else { return false }
                groups += 2
                break
            }
            let digits = i - groupStart
            guard digits >= 1, digits <= 4 else { return false }
            groups += 1
            if groups > 8 { return false }
            if i == end { break }
            guard value[i] == HTTPGrammar.colon else { return false }
            i += 1
            if i < end, value[i] == HTTPGrammar.colon {
                guard !compressed else { return false }
                compressed = true
                i += 1
                if i == end { break }
            } else if i == end {
                return false
            }
        }
        return compressed ? groups <= 7 : groups == 8
    }

    /// IPv4address = dec-octet "." dec-octet "." dec-octet "." dec-octet, where a
    /// dec-octet is 0 to 255 without leading zeros.
    static func isIPv4Address(_ value: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Bool {
        var i = start
        for octet in 0..<4 {
            if octet > 0 {
                guard i < end, value[i] == UInt8(ascii: ".") else { return false }
                i += 1
            }
            let octetStart = i
            var number = 0
            while i < end, i - octetStart < 3, isDigit(value[i]) {
                number = number * 10 + Int(value[i] &- 0x30)
                i += 1
            }
            let digits = i - octetStart
            guard digits >= 1, number <= 255, digits == 1 || value[octetStart] != UInt8(ascii: "0") else { return false }
        }
        return i == end
    }

    // MARK: - Bytes

    @inline(__always)
    private static func isDigit(_ byte: UInt8) -> Bool {
        byte &- 0x30 < 10
    }

    private static func index(of target: UInt8, in value: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int? {
        var i = start
        while i < end {
            if value[i] == target { return i }
            i += 1
        }
        return nil
    }
}
