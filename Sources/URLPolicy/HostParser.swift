/// Turns the host text of a URL into a name or an address, reading numbers as resolvers
/// do and refusing what resolvers might read differently.
///
/// Returns the host with, for an IPv6 literal, the zone id if one was written: the
/// policy judges the address first (so `[fe80::1%25eth0]` is reported as link-local),
/// then refuses the zone.
enum HostParser {
    struct Parsed: Equatable {
        var host: URLHost
        var zone: String?
    }

    /// Longest name, without its trailing dot (RFC 1035 2.3.4).
    static let maxNameLength = 253
    static let maxLabelLength = 63

    static func parse(_ text: Substring) -> Result<Parsed, URLRefusal> {
        if text.hasPrefix("[") && text.hasSuffix("]") {
            return parseBracketed(text.dropFirst().dropLast(), written: text)
        }
        let decoded: String
        switch percentDecoded(text) {
        case .failure(let refusal): return .failure(refusal)
        case .success(let value): decoded = value.lowercased()
        }
        if let bad = decoded.unicodeScalars.first(where: { !isHostCharacter($0) }) {
            let shown = bad.value < 0x21 || bad.value > 0x7e
                ? "U+" + String(bad.value, radix: 16, uppercase: true).leftPadded(to: 4) : String(bad)
            let decodedNote = decoded == text.lowercased() ? "" : " (decoded from \"\(text)\")"
            return .failure(URLRefusal(
                rule: .malformed, part: String(text),
                message: "host \"\(text)\" contains \"\(shown)\"\(decodedNote): a host has only letters, digits, \"-\", \"_\" and \".\""))
        }
        // One trailing dot is the root of the DNS: "localhost." is "localhost".
        let host = decoded.hasSuffix(".") ? String(decoded.dropLast()) : decoded
        switch IPv4NumericHost.read(host) {
        case .address(let address):
            return .success(Parsed(host: .address(address), zone: nil))
        case .invalid(let reason):
            return .failure(URLRefusal(
                rule: .malformed, part: String(text),
                message: "host \"\(text)\" ends in a number but is not a valid IPv4 address: \(reason)"))
        case .notNumeric:
            if let refusal = nameFormRefusal(host, written: text) { return .failure(refusal) }
            return .success(Parsed(host: .name(host), zone: nil))
        }
    }

    /// `[2001:db8::1]`, `[fe80::1%25eth0]` (RFC 6874) or `[fe80::1%eth0]`.
    private static func parseBracketed(_ inner: Substring, written: Substring) -> Result<Parsed, URLRefusal> {
        if inner.first == "v" || inner.first == "V" {
            return .failure(URLRefusal(
                rule: .malformed, part: String(written),
                message: "host \"\(written)\" is an IPvFuture literal, which no resolver reads"))
        }
        var addressText = inner, zone: String?
        if let percent = inner.firstIndex(of: "%") {
            addressText = inner[..<percent]
            let zoneText = inner[inner.index(after: percent)...]
            zone = String(zoneText.hasPrefix("25") ? zoneText.dropFirst(2) : zoneText)
        }
        guard let value = IPAddress.parseIPv6(addressText) else {
            return .failure(URLRefusal(
                rule: .malformed, part: String(written),
                message: "host \"\(written)\" is not a valid IPv6 address"))
        }
        return .success(Parsed(host: .address(IPAddress(v6: value)), zone: zone))
    }

    /// Decodes `%XX`; a `%` not followed by two hex digits is refused.
    private static func percentDecoded(_ text: Substring) -> Result<String, URLRefusal> {
        guard text.contains("%") else { return .success(String(text)) }
        var bytes: [UInt8] = []
        var index = text.utf8.startIndex
        let utf8 = text.utf8
        while index < utf8.endIndex {
            let byte = utf8[index]
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                index = utf8.index(after: index)
                continue
            }
            let digits = utf8[utf8.index(after: index)...].prefix(2)
            guard digits.count == 2, digits.allSatisfy(\.isASCIIHexDigit),
                  let value = UInt8(String(decoding: digits, as: UTF8.self), radix: 16) else {
                return .failure(URLRefusal(
                    rule: .malformed, part: String(text),
                    message: "host \"\(text)\" has a \"%\" that is not followed by two hex digits"))
            }
            bytes.append(value)
            index = utf8.index(index, offsetBy: 3)
        }
        // Bytes that are not UTF-8 become U+FFFD, which the character check refuses.
        return .success(String(decoding: bytes, as: UTF8.self))
    }

    /// Letters, digits, `-`, `_` (found in real names) and `.`: nothing a parser could
    /// take for the end of the host.
    private static func isHostCharacter(_ scalar: Unicode.Scalar) -> Bool {
        guard scalar.isASCII else { return false }
        let byte = UInt8(scalar.value)
        return byte.isASCIILetter || byte.isASCIIDigit || byte == UInt8(ascii: "-")
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
    }

    /// A name must have non-empty labels and fit DNS's limits.
    private static func nameFormRefusal(_ name: String, written: Substring) -> URLRefusal? {
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        if name.isEmpty || labels.contains(where: \.isEmpty) {
            return URLRefusal(
                rule: .malformed, part: String(written),
                message: "host \"\(written)\" has an empty label (a leading dot or two dots in a row)")
        }
        if name.utf8.count > maxNameLength || labels.contains(where: { $0.utf8.count > maxLabelLength }) {
            return URLRefusal(
                rule: .malformed, part: String(written),
                message: "host \"\(written)\" is too long for DNS: at most \(maxLabelLength) characters a label and \(maxNameLength) in all")
        }
        return nil
    }

    /// Names that only this machine or its local network can mean, whatever they
    /// resolve to today.
    static func localNameRefusal(_ name: String, written: Substring) -> URLRefusal? {
        if name == "localhost" || name.hasSuffix(".localhost") {
            return URLRefusal(
                rule: .localhostName, part: String(written),
                message: "host \"\(written)\" is a localhost name, which always means this machine")
        }
        if !name.contains(".") {
            return URLRefusal(
                rule: .internalName, part: String(written),
                message: "host \"\(written)\" is a single-label name: resolvers complete it with the local search domains")
        }
        if let suffix = localSuffixes.first(where: { name == $0 || name.hasSuffix("." + $0) }) {
            return URLRefusal(
                rule: .internalName, part: String(written),
                message: "host \"\(written)\" is under .\(suffix), which names hosts of a local network")
        }
        return nil
    }

    /// `local` (mDNS, RFC 6762), `internal` (ICANN's private-use TLD), `home.arpa`
    /// (RFC 8375) and `localdomain` (a common /etc/hosts convention).
    static let localSuffixes = ["local", "internal", "home.arpa", "localdomain"]
}
