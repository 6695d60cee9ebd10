import Testing
import URLPolicy

@Suite("The parts of an accepted URL")
struct CheckedURLTests {
    let policy = URLPolicy(resolver: FixedHostResolver(addresses: [
        "videos.example.com": [IPAddress(93, 184, 215, 14)],
    ]))

    @Test("port 443 by default, path / when there is none")
    func defaults() throws {
        let checked = try #require(policy.check("HTTPS://Videos.Example.COM").success)
        #expect(checked.scheme == "https")
        #expect(checked.host == .name("videos.example.com"))
        #expect(checked.port == 443)
        #expect(!checked.hasExplicitPort)
        #expect(checked.pathAndQuery == "/")
        #expect(checked.hostHeader == "videos.example.com")
        #expect(checked.serverName == "videos.example.com")
        #expect(checked.description == "https://videos.example.com/")
    }

    @Test("an explicit port, the query kept, the fragment dropped")
    func portQueryAndFragment() throws {
        let checked = try #require(policy.check("https://videos.example.com:8443/a/b.mp4?sig=x&e=1#t=10").success)
        #expect(checked.port == 8443)
        #expect(checked.hasExplicitPort)
        #expect(checked.pathAndQuery == "/a/b.mp4?sig=x&e=1")
        #expect(checked.hostHeader == "videos.example.com:8443")
        #expect(checked.description == "https://videos.example.com:8443/a/b.mp4?sig=x&e=1")
        #expect(try #require(policy.check("https://videos.example.com?x").success).pathAndQuery == "/?x")
    }

    @Test("an IPv6 literal is bracketed in the Host header and has no SNI name")
    func ipv6Literal() throws {
        let checked = try #require(policy.check("https://[2606:4700:4700:0::1111]:8443/").success)
        #expect(checked.host == .address(IPAddress("2606:4700:4700::1111")!))
        #expect(checked.host.description == "2606:4700:4700::1111")
        #expect(checked.hostHeader == "[2606:4700:4700::1111]:8443")
        #expect(checked.serverName == nil)
        #expect(checked.addresses == [IPAddress("2606:4700:4700::1111")!])
    }

    @Test("a numeric host is given in its canonical form")
    func numericHostIsCanonical() throws {
        let checked = try #require(policy.check("https://134744072:443/").success)
        #expect(checked.host == .address(IPAddress(8, 8, 8, 8)))
        #expect(checked.hostHeader == "8.8.8.8")
        #expect(checked.description == "https://8.8.8.8/")
    }
}

@Suite("Redirect targets made absolute")
struct RedirectTests {
    let policy = URLPolicy(resolver: nil)

    @Test("each form of Location resolves against the URL that answered", arguments: [
        ("https://cdn.example.com/other.mp4", "https://cdn.example.com/other.mp4"),
        ("http://cdn.example.com/other.mp4", "http://cdn.example.com/other.mp4"),
        ("//cdn.example.com/x", "https://cdn.example.com/x"),
        ("/x/y.mp4?sig=2", "https://videos.example.com:8443/x/y.mp4?sig=2"),
        ("b.mp4", "https://videos.example.com:8443/a/b.mp4"),
        ("?sig=3", "https://videos.example.com:8443/a/v.mp4?sig=3"),
        ("#t=1", "https://videos.example.com:8443/a/v.mp4?sig=1"),
        ("", "https://videos.example.com:8443/a/v.mp4?sig=1"),
    ])
    func redirectIsMadeAbsolute(_ location: String, _ expected: String) throws {
        let checked = try #require(policy.check("https://videos.example.com:8443/a/v.mp4?sig=1").success)
        #expect(checked.absoluteURL(forRedirect: location) == expected)
    }

    @Test("a redirect to an internal address is judged, and refused, like any URL")
    func redirectToInternalIsRefused() throws {
        let checked = try #require(policy.check("https://videos.example.com/v.mp4").success)
        let target = checked.absoluteURL(forRedirect: "https://169.254.169.254/latest/meta-data/")
        #expect(policy.check(target).failure?.rule == .internalAddress)
        #expect(policy.check(checked.absoluteURL(forRedirect: "//127.1/x")).failure?.rule == .internalAddress)
        #expect(policy.check(checked.absoluteURL(forRedirect: "http://videos.example.com/")).failure?.rule == .schemeNotHTTPS)
    }
}
