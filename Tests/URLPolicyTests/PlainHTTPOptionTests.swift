import Testing
import URLPolicy

/// `allowPlainHTTP`: the operator's own webhook endpoints may be `http://`; nothing else
/// about the rules changes, and without the option `http` is refused as before.
@Suite("Plain http, where the policy allows it")
struct PlainHTTPOptionTests {
    let plain = URLPolicy(allowPlainHTTP: true, resolver: nil)

    @Test("by default http is refused, with the message it always had")
    func refusedByDefault() throws {
        let strict = URLPolicy(resolver: nil)
        #expect(!strict.allowPlainHTTP)
        let refusal = try #require(strict.check("http://example.com/hooks").failure)
        #expect(refusal.rule == .schemeNotHTTPS)
        #expect(refusal.message == "scheme \"http\" is not https: only https URLs are accepted")
        #expect(URLPolicy(allowInternal: true, resolver: nil).check("http://127.0.0.1/").failure?.rule == .schemeNotHTTPS)
    }

    @Test("http://host/path passes with port 80, no TLS, and a Host header without the port")
    func acceptedWithPort80() throws {
        let checked = try #require(plain.check("HTTP://Hooks.Example.COM/videos?x=1#f").success)
        #expect(checked.scheme == "http")
        #expect(!checked.usesTLS)
        #expect(checked.port == 80 && !checked.hasExplicitPort)
        #expect(checked.hostHeader == "hooks.example.com")
        #expect(checked.pathAndQuery == "/videos?x=1")
        #expect(checked.description == "http://hooks.example.com/videos?x=1")
    }

    @Test("a named port is kept in the Host header unless it is the scheme's own", arguments: [
        ("http://hooks.example.com:8080/h", 8080, "hooks.example.com:8080"),
        ("http://hooks.example.com:80/h", 80, "hooks.example.com"),
        ("http://hooks.example.com:443/h", 443, "hooks.example.com:443"),
        ("https://hooks.example.com:80/h", 80, "hooks.example.com:80"),
        ("https://hooks.example.com/h", 443, "hooks.example.com"),
    ])
    func ports(_ url: String, _ port: Int, _ hostHeader: String) throws {
        let checked = try #require(plain.check(url).success)
        #expect(checked.port == port)
        #expect(checked.hostHeader == hostHeader)
        #expect(checked.usesTLS == url.hasPrefix("https:"))
    }

    @Test("every other rule still holds for http", arguments: [
        ("http://user:secret@hooks.example.com/", URLRule.userInfo, "user:<password>@"),
        ("http:///hooks", .missingHost, "no host after \"http://\""),
        ("http:hooks.example.com/", .malformed, "write http://host/path"),
        ("http://hooks.example.com:0/", .badPort, "port"),
        ("http://hooks.example.com\\@127.0.0.1/", .malformed, "backslash"),
        ("http://127.0.0.1:9000/hooks", .internalAddress, "loopback"),
        ("http://10.1.2.3/hooks", .internalAddress, "private"),
        ("http://localhost:9000/", .localhostName, "localhost"),
        ("http://intranet/", .internalName, "intranet"),
        ("ftp://hooks.example.com/", .schemeNotHTTPS, "only http or https URLs are accepted"),
        ("ws://hooks.example.com/", .schemeNotHTTPS, "\"ws\""),
        ("http://hooks.example.com/" + String(repeating: "a", count: 2030), .tooLong, "2048"),
    ])
    func otherRules(_ url: String, _ rule: URLRule, _ mention: String) throws {
        let refusal = try #require(plain.check(url).failure)
        #expect(refusal.rule == rule)
        #expect(refusal.message.contains(mention), "\(refusal.message)")
        #expect(!refusal.message.contains("secret"))
    }

    @Test("the whole rule table is judged the same with the option, but for its http cases", .tags(.table),
          arguments: ruleCases)
    func sameTable(_ testCase: RuleCase) {
        let strict = URLPolicy(resolver: nil).check(testCase.url)
        let lenient = plain.check(testCase.url)
        if testCase.url.lowercased().hasPrefix("http:") {
            #expect(strict.failure?.rule == .schemeNotHTTPS)
        } else {
            #expect(lenient.failure?.rule == strict.failure?.rule)
            #expect(lenient.success == strict.success)
        }
    }

    @Test("an internal endpoint passes only with allowInternal as well, by address and by name")
    func internalNeedsBothOptions() throws {
        let resolver = FixedHostResolver(addresses: ["app.internal.example": [IPAddress(10, 0, 0, 7)]])
        let plainOnly = URLPolicy(allowPlainHTTP: true, resolver: resolver)
        #expect(plainOnly.check("http://app.internal.example/hooks").failure?.rule == .resolvesInternal)
        let both = URLPolicy(allowInternal: true, allowPlainHTTP: true, resolver: resolver)
        let checked = try #require(both.check("http://app.internal.example:8080/hooks").success)
        #expect(checked.addresses == [IPAddress(10, 0, 0, 7)])
        #expect(checked.port == 8080 && !checked.usesTLS)
        #expect(try #require(both.check("http://127.0.0.1:9000/").success).hostHeader == "127.0.0.1:9000")
    }
}
