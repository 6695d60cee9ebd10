import Testing
import URLPolicy

/// One URL, the rule it must break (nil: accepted) and, where it matters, words the
/// message must contain: the IANA range, the part at fault.
struct RuleCase: Sendable, CustomTestStringConvertible {
    let url: String
    let rule: URLRule?
    let mentions: [String]

    init(_ url: String, _ rule: URLRule?, _ mentions: String...) {
        self.url = url
        self.rule = rule
        self.mentions = mentions
    }

    var testDescription: String {
        let shown = url.count > 80 ? "\(url.prefix(60))… (\(url.count) characters)" : url
        return "\(shown.debugDescription) → \(rule?.rawValue ?? "ok")"
    }
}

/// Judged without DNS: every case here is decided by the URL's text alone.
let ruleCases: [RuleCase] = [
    // Accepted: https, a public host, any case, ports, paths, queries, fragments.
    RuleCase("https://example.com/", nil),
    RuleCase("HTTPS://EXAMPLE.COM/", nil),
    RuleCase("HtTpS://example.com", nil),
    RuleCase("https://example.com:8443/callbacks/abc", nil),
    RuleCase("https://example.com:1/", nil),
    RuleCase("https://example.com:65535/", nil),
    RuleCase("https://example.com:0443/", nil),
    RuleCase("https://8.8.8.8/", nil),
    RuleCase("https://134744072/", nil),
    RuleCase("https://[2606:4700:4700::1111]/", nil),
    RuleCase("https://[2606:4700:4700::1111]:8443/x", nil),
    RuleCase("https://example.com./", nil),
    RuleCase("https://sub_domain.example.com/", nil),
    RuleCase("https://example.com/path?q=1#fragment", nil),
    RuleCase("https://example.com?x=1", nil),
    RuleCase("https://example.com/a@b", nil),
    RuleCase("https://example.com/#@127.0.0.1", nil),
    RuleCase("https://localhost.example.com/", nil),
    RuleCase("https://[::ffff:8.8.8.8]/", nil),
    RuleCase("https://[64:ff9b::8.8.8.8]/", nil),
    RuleCase("https://[2002:808:808::1]/", nil),
    RuleCase("https://" + String(repeating: "a", count: 63) + ".example.com/", nil),

    // Scheme: https only, and a scheme at all.
    RuleCase("http://example.com/", .schemeNotHTTPS, "\"http\""),
    RuleCase("HTTP://example.com/", .schemeNotHTTPS),
    RuleCase("ftp://example.com/", .schemeNotHTTPS, "\"ftp\""),
    RuleCase("wss://example.com/", .schemeNotHTTPS),
    RuleCase("httpss://example.com/", .schemeNotHTTPS),
    RuleCase("javascript:alert(1)", .schemeNotHTTPS),
    RuleCase("example.com/callbacks", .schemeNotHTTPS, "no scheme"),
    RuleCase("//example.com/", .schemeNotHTTPS),
    RuleCase("https", .schemeNotHTTPS),
    RuleCase("", .schemeNotHTTPS),

    // Structure, characters and encodings that parsers disagree on.
    RuleCase("https:example.com", .malformed, "//"),
    RuleCase("https:/example.com", .malformed),
    RuleCase("https:\\\\example.com", .malformed, "backslash"),
    RuleCase("https://example.com\\@127.0.0.1/", .malformed, "backslash"),
    RuleCase("https://exa mple.com/", .malformed, "space"),
    RuleCase(" https://example.com/", .malformed, "space"),
    RuleCase("https://example.com/\n", .malformed, "U+000A"),
    RuleCase("https://example.com/\t", .malformed, "U+0009"),
    RuleCase("https://example.com/\u{7f}", .malformed, "U+007F"),
    RuleCase("https://exämple.com/", .malformed, "non-ASCII"),
    RuleCase("https://[::1", .malformed, "never closes"),
    RuleCase("https://[::1]x/", .malformed),
    RuleCase("https://::1/", .malformed, "brackets"),
    RuleCase("https://example.com:443:80/", .malformed),
    RuleCase("https://[v1.fe]/", .malformed, "IPvFuture"),
    RuleCase("https://[1:2:3]/", .malformed, "IPv6"),
    RuleCase("https://[::1::2]/", .malformed),
    RuleCase("https://[12345::1]/", .malformed),
    RuleCase("https://[1.2.3.4]/", .malformed),
    RuleCase("https://exa%zzmple.com/", .malformed, "%"),
    RuleCase("https://example.com%2f.evil.com/", .malformed, "\"/\""),
    RuleCase("https://good.com%40127.0.0.1/", .malformed, "\"@\""),
    RuleCase("https://example%00.com/", .malformed, "U+0000"),
    RuleCase("https://ex%C3%A4mple.com/", .malformed),
    RuleCase("https://a[b].com/", .malformed),
    RuleCase("https://a..b.com/", .malformed, "empty label"),
    RuleCase("https://.example.com/", .malformed, "empty label"),
    RuleCase("https://example.com../", .malformed, "empty label"),
    RuleCase("https://" + String(repeating: "a", count: 64) + ".com/", .malformed, "too long"),
    RuleCase("https://" + Array(repeating: "abcdefghi", count: 26).joined(separator: ".") + ".com/", .malformed, "too long"),
    RuleCase("https://1.2.3.4.5/", .malformed, "5 dot-separated parts"),
    RuleCase("https://256.256.256.256/", .malformed, "over 255"),
    RuleCase("https://1.2.3.999/", .malformed, "does not fit"),
    RuleCase("https://4294967296/", .malformed, "does not fit"),
    RuleCase("https://example.123/", .malformed, "\"example\""),
    RuleCase("https://08.1.1.1/", .malformed, "\"08\""),
    RuleCase("https://0x/", .malformed),
    RuleCase("https://[2606:4700::1111%25eth0]/", .malformed, "zone id"),

    // Length: 2048 characters pass, 2049 fail.
    RuleCase(urlOfLength(2048), nil),
    RuleCase(urlOfLength(2049), .tooLong, "2049"),
    RuleCase(urlOfLength(100_000), .tooLong, "100000"),

    // A host is required.
    RuleCase("https://", .missingHost),
    RuleCase("https:///", .missingHost),
    RuleCase("https:///path", .missingHost),
    RuleCase("https://:443/", .missingHost),
    RuleCase("https://[]/", .missingHost),
    RuleCase("https://?x=1", .missingHost),

    // No user info, whatever it looks like.
    RuleCase("https://user@example.com/", .userInfo, "\"user@\""),
    RuleCase("https://user:secret@example.com/", .userInfo, "user:<password>@"),
    RuleCase("https://good.com@127.0.0.1/", .userInfo, "\"good.com@\""),
    RuleCase("https://@example.com/", .userInfo),
    RuleCase("https://a@b@example.com/", .userInfo),
    RuleCase("https://example.com:443@127.0.0.1/", .userInfo),

    // Ports: 1...65535, digits only.
    RuleCase("https://example.com:/", .badPort, "empty"),
    RuleCase("https://example.com:0/", .badPort, "\"0\""),
    RuleCase("https://example.com:65536/", .badPort, "\"65536\""),
    RuleCase("https://example.com:99999999999999999999/", .badPort),
    RuleCase("https://example.com:-1/", .badPort),
    RuleCase("https://example.com:+443/", .badPort),
    RuleCase("https://example.com:44a/", .badPort),
    RuleCase("https://[2606:4700::1111]:0/", .badPort),

    // IPv4 internal addresses, in every numeric form a resolver accepts.
    RuleCase("https://127.0.0.1/", .internalAddress, "loopback (127.0.0.0/8)"),
    RuleCase("https://127.1/", .internalAddress, "\"127.1\"", "127.0.0.1", "loopback (127.0.0.0/8)"),
    RuleCase("https://127.0.1/", .internalAddress, "loopback"),
    RuleCase("https://2130706433/", .internalAddress, "loopback"),
    RuleCase("https://0x7f000001/", .internalAddress, "loopback"),
    RuleCase("https://0X7F000001/", .internalAddress, "loopback"),
    RuleCase("https://0177.0.0.1/", .internalAddress, "loopback"),
    RuleCase("https://0x7f.0.0.1/", .internalAddress, "loopback"),
    RuleCase("https://017700000001/", .internalAddress, "loopback"),
    RuleCase("https://0000000177.0.0.1/", .internalAddress, "loopback"),
    RuleCase("https://127.0.0.1./", .internalAddress, "loopback"),
    RuleCase("https://%31%32%37.0.0.1/", .internalAddress, "loopback"),
    RuleCase("https://127.0.0.1:8443/", .internalAddress, "loopback"),
    RuleCase("https://127.255.255.254/", .internalAddress, "loopback"),
    RuleCase("https://0.0.0.0/", .internalAddress, "unspecified (0.0.0.0/32)"),
    RuleCase("https://0/", .internalAddress, "unspecified"),
    RuleCase("https://0.1.2.3/", .internalAddress, "this network (0.0.0.0/8)"),
    RuleCase("https://10.0.0.1/", .internalAddress, "private-use (10.0.0.0/8)"),
    RuleCase("https://10.255.255.255/", .internalAddress, "10.0.0.0/8"),
    RuleCase("https://167772161/", .internalAddress, "10.0.0.1", "10.0.0.0/8"),
    RuleCase("https://172.16.0.1/", .internalAddress, "private-use (172.16.0.0/12)"),
    RuleCase("https://172.31.255.255/", .internalAddress, "172.16.0.0/12"),
    RuleCase("https://192.168.1.1/", .internalAddress, "private-use (192.168.0.0/16)"),
    RuleCase("https://0xc0.0xa8.1.1/", .internalAddress, "192.168.0.0/16"),
    RuleCase("https://100.64.0.1/", .internalAddress, "CGNAT", "100.64.0.0/10"),
    RuleCase("https://100.127.255.255/", .internalAddress, "100.64.0.0/10"),
    RuleCase("https://169.254.169.254/", .internalAddress, "link-local (169.254.0.0/16)"),
    RuleCase("https://224.0.0.1/", .internalAddress, "multicast (224.0.0.0/4)"),
    RuleCase("https://239.255.255.250/", .internalAddress, "multicast"),
    RuleCase("https://255.255.255.255/", .internalAddress, "limited broadcast (255.255.255.255/32)"),
    RuleCase("https://240.0.0.1/", .internalAddress, "reserved (240.0.0.0/4)"),
    RuleCase("https://192.0.0.1/", .internalAddress, "192.0.0.0/29"),
    RuleCase("https://192.0.0.100/", .internalAddress, "IETF protocol assignments (192.0.0.0/24)"),
    RuleCase("https://192.0.2.1/", .internalAddress, "TEST-NET-1", "192.0.2.0/24"),
    RuleCase("https://198.51.100.7/", .internalAddress, "TEST-NET-2"),
    RuleCase("https://203.0.113.9/", .internalAddress, "TEST-NET-3"),
    RuleCase("https://198.18.0.1/", .internalAddress, "benchmarking (198.18.0.0/15)"),
    RuleCase("https://198.19.255.255/", .internalAddress, "benchmarking"),
    RuleCase("https://192.88.99.1/", .internalAddress, "6to4 relay"),

    // IPv6 internal addresses, and the forms that embed IPv4.
    RuleCase("https://[::1]/", .internalAddress, "loopback (::1/128)"),
    RuleCase("https://[0:0:0:0:0:0:0:1]/", .internalAddress, "loopback"),
    RuleCase("https://[::]/", .internalAddress, "unspecified (::/128)"),
    RuleCase("https://[::ffff:127.0.0.1]/", .internalAddress, "IPv4-mapped (::ffff:0:0/96)", "127.0.0.1", "loopback"),
    RuleCase("https://[::FFFF:127.0.0.1]/", .internalAddress, "loopback"),
    RuleCase("https://[::ffff:7f00:1]/", .internalAddress, "loopback"),
    RuleCase("https://[::ffff:10.0.0.1]/", .internalAddress, "private-use"),
    RuleCase("https://[::ffff:0:0]/", .internalAddress, "unspecified"),
    RuleCase("https://[::127.0.0.1]/", .internalAddress, "IPv4-compatible (::/96)"),
    RuleCase("https://[::8.8.8.8]/", .internalAddress, "IPv4-compatible", "8.8.8.8"),
    RuleCase("https://[64:ff9b::127.0.0.1]/", .internalAddress, "NAT64 (64:ff9b::/96)", "loopback"),
    RuleCase("https://[64:ff9b::a9fe:a9fe]/", .internalAddress, "169.254.169.254", "link-local"),
    RuleCase("https://[64:ff9b:1::1]/", .internalAddress, "64:ff9b:1::/48"),
    RuleCase("https://[2002:7f00:1::]/", .internalAddress, "6to4 (2002::/16)", "127.0.0.1"),
    RuleCase("https://[2002:c0a8:101::1]/", .internalAddress, "192.168.1.1", "private-use"),
    RuleCase("https://[2001::1]/", .internalAddress, "Teredo", "2001::/32"),
    RuleCase("https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", .internalAddress, "Teredo"),
    RuleCase("https://[2001:2::1]/", .internalAddress, "benchmarking (2001:2::/48)"),
    RuleCase("https://[2001:db8::1]/", .internalAddress, "documentation (2001:db8::/32)"),
    RuleCase("https://[3fff::1]/", .internalAddress, "documentation (3fff::/20)"),
    RuleCase("https://[100::1]/", .internalAddress, "discard-only (100::/64)"),
    RuleCase("https://[fe80::1]/", .internalAddress, "link-local (fe80::/10)"),
    RuleCase("https://[fe80::1%25eth0]/", .internalAddress, "link-local"),
    RuleCase("https://[fe80::1%eth0]/", .internalAddress, "link-local"),
    RuleCase("https://[fc00::1]/", .internalAddress, "unique-local (fc00::/7)"),
    RuleCase("https://[fd12:3456:789a::1]/", .internalAddress, "unique-local"),
    RuleCase("https://[fec0::1]/", .internalAddress, "site-local"),
    RuleCase("https://[ff02::1]/", .internalAddress, "multicast (ff00::/8)"),
    RuleCase("https://[4000::1]/", .internalAddress, "global unicast (2000::/3)"),

    // Names that mean this machine or its network, whatever DNS says.
    RuleCase("https://localhost/", .localhostName, "\"localhost\""),
    RuleCase("https://LOCALHOST/", .localhostName),
    RuleCase("https://localhost./", .localhostName),
    RuleCase("https://localhost:8443/", .localhostName),
    RuleCase("https://api.localhost/", .localhostName),
    RuleCase("https://a.b.localhost./", .localhostName),
    RuleCase("https://%6c%6f%63%61%6c%68%6f%73%74/", .localhostName),
    RuleCase("https://intranet/", .internalName, "single-label"),
    RuleCase("https://printer.local/", .internalName, ".local"),
    RuleCase("https://db.internal/", .internalName, ".internal"),
    RuleCase("https://router.home.arpa/", .internalName, ".home.arpa"),
    RuleCase("https://box.localdomain/", .internalName, ".localdomain"),
]

/// `https://example.com/` followed by a path that brings it to `length` characters.
func urlOfLength(_ length: Int) -> String {
    let base = "https://example.com/"
    return base + String(repeating: "a", count: length - base.count)
}

@Suite("The callback URL rules, judged without DNS")
struct URLPolicyRuleTests {
    let policy = URLPolicy(resolver: nil)

    @Test("the table holds at least 80 cases, each rule appearing", .tags(.table))
    func tableCoversEveryTextualRule() {
        #expect(ruleCases.count >= 80)
        let textual: Set<URLRule> = [.malformed, .tooLong, .schemeNotHTTPS, .missingHost, .userInfo,
                                     .badPort, .internalAddress, .localhostName, .internalName]
        #expect(Set(ruleCases.compactMap(\.rule)) == textual)
    }

    @Test("each URL is accepted or refused with its rule", .tags(.table), arguments: ruleCases)
    func eachURLGetsItsVerdict(_ testCase: RuleCase) {
        switch policy.check(testCase.url) {
        case .success(let checked):
            #expect(testCase.rule == nil, "accepted as \(checked), expected \(testCase.rule!)")
        case .failure(let refusal):
            #expect(refusal.rule == testCase.rule, "refused: \(refusal)")
            #expect(!refusal.part.isEmpty)
            #expect(!refusal.message.isEmpty)
            for word in testCase.mentions {
                #expect(refusal.message.contains(word), "\"\(refusal.message)\" does not mention \(word)")
            }
        }
    }

    @Test("a refusal prints as its rule name and its message")
    func refusalPrintsRuleAndMessage() throws {
        let refusal = try #require(policy.check("https://127.1/").failure)
        #expect(refusal.part == "127.1")
        #expect(refusal.description == "internal-address: host \"127.1\" (127.0.0.1) is loopback (127.0.0.0/8)")
    }

    @Test("a password in user info never reaches the refusal")
    func passwordIsNotRepeated() throws {
        let refusal = try #require(policy.check("https://admin:hunter2@example.com/").failure)
        #expect(!refusal.description.contains("hunter2"))
        #expect(refusal.part == "admin:<password>@")
    }

    @Test("rule names are stable")
    func ruleNamesAreStable() {
        #expect(URLRule.allCases.map(\.rawValue) == [
            "malformed", "too-long", "scheme-not-https", "missing-host", "user-info", "bad-port",
            "internal-address", "localhost-name", "internal-name", "unresolvable", "resolves-internal",
        ])
    }
}

extension Tag {
    @Tag static var table: Self
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { error } else { nil }
    }

    var success: Success? {
        if case .success(let value) = self { value } else { nil }
    }
}
