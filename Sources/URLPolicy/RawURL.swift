/// A URL cut into the parts the policy judges, by its own rules rather than
/// Foundation's: `URL` and `URLComponents` read hosts differently from resolvers and
/// accept things (backslashes, spaces, `@` in odd places) that let one parser see a
/// public host where another sees an internal one. What is ambiguous is refused here.
///
/// The grammar is RFC 3986's, narrowed: `https://host[:port][/path][?query][#fragment]`
/// in printable ASCII, without user info; `http://` too when the caller allows it.
struct RawURL: Sendable {
    static let maxLength = 2048
    static let defaultPort = 443
    static let plainHTTPDefaultPort = 80

    /// Lower-cased.
    var scheme: String
    /// The host as written: brackets kept around an IPv6 literal, not yet decoded.
    var hostText: Substring
    var port: Int
    var hasExplicitPort: Bool
    /// The request target: the path (`/` when empty) and the query; no fragment.
    var pathAndQuery: String

    /// `allowPlainHTTP` lets `http` through as well (the operator's own webhook
    /// endpoints); every other rule is the same for both schemes.
    static func parse(_ url: String, allowPlainHTTP: Bool = false) -> Result<RawURL, URLRefusal> {
        if let refusal = characterRefusal(url) ?? lengthRefusal(url) {
            return .failure(refusal)
        }
        // Plain ASCII from here on, so one byte is one character.
        let text = Substring(url)
        guard !text.isEmpty else {
            return .failure(URLRefusal(rule: .schemeNotHTTPS, part: "empty URL", message: "URL is empty"))
        }
        guard let colon = text.firstIndex(of: ":"), isScheme(text[..<colon]) else {
            return .failure(URLRefusal(
                rule: .schemeNotHTTPS, part: String(text.prefix(16)),
                message: "\"\(text.prefix(40))\" has no scheme: a callback URL starts with https://"))
        }
        let scheme = text[..<colon].lowercased()
        guard scheme == "https" || (allowPlainHTTP && scheme == "http") else {
            let accepted = allowPlainHTTP ? "http or https" : "https"
            return .failure(URLRefusal(
                rule: .schemeNotHTTPS, part: String(text[..<colon]),
                message: "scheme \"\(text[..<colon])\" is not \(accepted): only \(accepted) URLs are accepted"))
        }
        let afterScheme = text[text.index(after: colon)...]
        guard afterScheme.hasPrefix("//") else {
            return .failure(URLRefusal(
                rule: .malformed, part: String(afterScheme.prefix(8)),
                message: "\"\(text[...colon])\" is not followed by \"//\": write \(scheme)://host/path"))
        }
        let afterSlashes = afterScheme.dropFirst(2)
        let authorityEnd = afterSlashes.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" }
            ?? afterSlashes.endIndex
        let authority = afterSlashes[..<authorityEnd]
        let rest = afterSlashes[authorityEnd...]

        if let at = authority.lastIndex(of: "@") {
            return .failure(userInfoRefusal(authority[...at]))
        }
        let hostText: Substring, portText: Substring?
        switch splitHostAndPort(authority) {
        case .failure(let refusal): return .failure(refusal)
        case .success(let split): (hostText, portText) = split
        }
        guard !hostText.isEmpty, hostText != "[]" else {
            return .failure(URLRefusal(
                rule: .missingHost, part: "//" + authority,
                message: "no host after \"\(scheme)://\": write \(scheme)://host/path"))
        }
        var port = scheme == "http" ? plainHTTPDefaultPort : defaultPort
        if let portText {
            switch parsePort(portText) {
            case .failure(let refusal): return .failure(refusal)
            case .success(let value): port = value
            }
        }
        let withoutFragment = rest.prefix { $0 != "#" }
        let pathAndQuery = withoutFragment.hasPrefix("/") ? String(withoutFragment) : "/" + withoutFragment
        return .success(RawURL(scheme: scheme, hostText: hostText, port: port,
                               hasExplicitPort: portText != nil, pathAndQuery: pathAndQuery))
    }

    /// Only printable ASCII, and no backslash: some parsers (WHATWG's among them) read
    /// `\` as `/`, which moves where the host ends.
    private static func characterRefusal(_ url: String) -> URLRefusal? {
        for (offset, scalar) in url.unicodeScalars.enumerated() {
            let position = offset + 1
            switch scalar.value {
            case 0x21...0x7e where scalar != "\\":
                continue
            case 0x5c:
                return URLRefusal(
                    rule: .malformed, part: "\\",
                    message: "backslash at character \(position): parsers disagree on it, some read it as \"/\"")
            case 0x20:
                return URLRefusal(
                    rule: .malformed, part: "space",
                    message: "space at character \(position): percent-encode it as %20")
            case 0..<0x20, 0x7f:
                let code = "U+" + String(scalar.value, radix: 16, uppercase: true).leftPadded(to: 4)
                return URLRefusal(
                    rule: .malformed, part: code,
                    message: "control character \(code) at character \(position)")
            default:
                let code = "U+" + String(scalar.value, radix: 16, uppercase: true).leftPadded(to: 4)
                return URLRefusal(
                    rule: .malformed, part: code,
                    message: "non-ASCII character \(code) at character \(position): percent-encode it, and write a host in its xn-- form")
            }
        }
        return nil
    }

    /// At most 2048 characters, counted as Unicode scalars (code points).
    private static func lengthRefusal(_ url: String) -> URLRefusal? {
        let length = url.unicodeScalars.count
        guard length > maxLength else { return nil }
        return URLRefusal(
            rule: .tooLong, part: "\(length) characters",
            message: "URL is \(length) characters long; the limit is \(maxLength)")
    }

    /// RFC 3986 3.1: a letter, then letters, digits, `+`, `-` or `.`.
    private static func isScheme(_ text: Substring) -> Bool {
        guard let first = text.utf8.first, first.isASCIILetter else { return false }
        return text.utf8.allSatisfy {
            $0.isASCIILetter || $0.isASCIIDigit || $0 == UInt8(ascii: "+")
                || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".")
        }
    }

    /// Names the user and hides any password, which must not reach a log line.
    private static func userInfoRefusal(_ userInfo: Substring) -> URLRefusal {
        var shown = String(userInfo)
        if let colon = userInfo.firstIndex(of: ":") {
            shown = userInfo[..<colon] + ":<password>@"
        }
        return URLRefusal(
            rule: .userInfo, part: shown,
            message: "user info \"\(shown)\" before the host is not allowed: it hides which host is meant, and the video API refuses it")
    }

    private static func splitHostAndPort(_ authority: Substring)
        -> Result<(host: Substring, port: Substring?), URLRefusal>
    {
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                return .failure(URLRefusal(
                    rule: .malformed, part: String(authority),
                    message: "\"\(authority)\" opens \"[\" for an IPv6 address and never closes it"))
            }
            let host = authority[...close]
            let after = authority[authority.index(after: close)...]
            if after.isEmpty { return .success((host, nil)) }
            guard after.hasPrefix(":") else {
                return .failure(URLRefusal(
                    rule: .malformed, part: String(after),
                    message: "\"\(after)\" after the IPv6 address \"\(host)\": only \":port\" may follow it"))
            }
            return .success((host, after.dropFirst()))
        }
        let colons = authority.filter { $0 == ":" }.count
        guard colons <= 1 else {
            return .failure(URLRefusal(
                rule: .malformed, part: String(authority),
                message: "host \"\(authority)\" has more than one \":\": write an IPv6 address in brackets, as https://[2001:db8::1]/"))
        }
        guard let colon = authority.firstIndex(of: ":") else { return .success((authority, nil)) }
        return .success((authority[..<colon], authority[authority.index(after: colon)...]))
    }

    /// 1...65535, decimal digits only; leading zeros are allowed, as RFC 3986 allows them.
    private static func parsePort(_ text: Substring) -> Result<Int, URLRefusal> {
        guard !text.isEmpty else {
            return .failure(URLRefusal(
                rule: .badPort, part: ":",
                message: "port is empty after \":\": write a port from 1 to 65535, or leave out the \":\""))
        }
        let significant = text.drop { $0 == "0" }
        guard text.utf8.allSatisfy(\.isASCIIDigit), significant.count <= 5,
              let value = Int(significant.isEmpty ? "0" : significant), (1...65535).contains(value) else {
            return .failure(URLRefusal(
                rule: .badPort, part: String(text),
                message: "port \"\(text)\" is not a number from 1 to 65535"))
        }
        return .success(value)
    }
}

extension UInt8 {
    var isASCIILetter: Bool { (self | 0x20) >= UInt8(ascii: "a") && (self | 0x20) <= UInt8(ascii: "z") }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
