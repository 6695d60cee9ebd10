import Testing
import URLPolicy

@Suite("The public callback URL at start")
struct CallbackURLTests {
    static let token = "tok3n-sEcr3t"
    let resolver = FixedHostResolver([
        "hooks.example.com": .success([IPAddress(93, 184, 215, 14)]),
        "inside.example.com": .success([IPAddress(192, 168, 1, 5)]),
        "flaky.example.com": .failure(HostResolutionError(kind: .temporary, detail: "Temporary failure in name resolution")),
    ])
    var policy: URLPolicy { URLPolicy(resolver: resolver) }

    @Test("the callback URL joins public_url and the token with single slashes", arguments: [
        ("https://hooks.example.com", "https://hooks.example.com/callbacks/t"),
        ("https://hooks.example.com/", "https://hooks.example.com/callbacks/t"),
        ("https://hooks.example.com//", "https://hooks.example.com/callbacks/t"),
        ("https://hooks.example.com:8443", "https://hooks.example.com:8443/callbacks/t"),
        ("https://example.com/videohookd", "https://example.com/videohookd/callbacks/t"),
        ("https://example.com/videohookd/", "https://example.com/videohookd/callbacks/t"),
    ])
    func makeJoinsParts(_ publicURL: String, _ expected: String) {
        #expect(CallbackURL.make(publicURL: publicURL, token: "t") == expected)
    }

    @Test("a public_url that passes lets serve start")
    func acceptedPublicURL() {
        let check = checkPublicCallbackURL(publicURL: "https://hooks.example.com/", token: Self.token,
                                           listenPort: 8443, policy: policy, guessPublicURL: { _ in Issue.record("guessed"); return "" })
        #expect(check.outcome == .accepted)
        #expect(check.allowsStart)
        #expect(check.refusal == nil)
        #expect(check.callbackURL == "https://hooks.example.com/callbacks/\(Self.token)")
        #expect(check.message.contains("https://hooks.example.com/callbacks/<token>"))
        #expect(!check.message.contains(Self.token))
    }

    @Test("a public_url that breaks a rule stops the start, naming the rule", arguments: [
        ("https://127.0.0.1:8443", URLRule.internalAddress, "loopback"),
        ("http://hooks.example.com", .schemeNotHTTPS, "\"http\""),
        ("https://inside.example.com", .resolvesInternal, "192.168.1.5"),
        ("https://localhost:8443", .localhostName, "localhost"),
        ("https://nowhere.example.com", .unresolvable, "nowhere.example.com"),
        ("https://hooks.example.com:70000", .badPort, "70000"),
        ("https://hooks.example.com/?x=1", .malformed, "query or fragment"),
        ("https://hooks.example.com/#top", .malformed, "query or fragment"),
    ])
    func refusedPublicURL(_ publicURL: String, _ rule: URLRule, _ mention: String) throws {
        let check = checkPublicCallbackURL(publicURL: publicURL, token: Self.token, listenPort: 8443, policy: policy)
        #expect(check.outcome == .refused)
        #expect(!check.allowsStart)
        #expect(try #require(check.refusal).rule == rule)
        #expect(check.message.contains("(\(rule))"))
        #expect(check.message.contains(mention), "\(check.message)")
        #expect(check.message.contains(publicURL))
        #expect(!check.message.contains(Self.token))
    }

    @Test("a public_url whose name cannot be resolved right now starts with a warning")
    func temporaryResolverFailureStillStarts() {
        let check = checkPublicCallbackURL(publicURL: "https://flaky.example.com", token: Self.token,
                                           listenPort: 8443, policy: policy)
        #expect(check.outcome == .unverified)
        #expect(check.allowsStart)
        #expect(check.refusal?.isTemporary == true)
        #expect(check.message.hasPrefix("warning:"))
        #expect(check.message.contains("check-url"))
    }

    @Test("a callback URL over 2048 characters is refused even when public_url is short")
    func longTokenMakesTooLongURL() throws {
        let token = String(repeating: "a", count: 2048)
        let check = checkPublicCallbackURL(publicURL: "https://hooks.example.com", token: token,
                                           listenPort: 8443, policy: policy)
        #expect(try #require(check.refusal).rule == .tooLong)
        #expect(!check.message.contains(token))
    }

    @Test("with no public_url the URL is guessed from the listener's port, with a warning about internal addresses",
          arguments: [nil, "", "   "] as [String?])
    func guessedInternalURLWarns(_ publicURL: String?) throws {
        let check = checkPublicCallbackURL(publicURL: publicURL, token: Self.token, listenPort: 9443, policy: policy,
                                           guessPublicURL: { port in "https://10.0.0.5:\(port)" })
        #expect(check.outcome == .guessed)
        #expect(check.allowsStart)
        #expect(check.callbackURL == "https://10.0.0.5:9443/callbacks/\(Self.token)")
        #expect(check.message.contains("https://10.0.0.5:9443/callbacks/<token>"))
        #expect(check.message.contains("will refuse"))
        #expect(check.message.contains("private-use (10.0.0.0/8)"))
        #expect(try #require(check.refusal).rule == .internalAddress)
        #expect(!check.message.contains(Self.token))
    }

    @Test("a guessed public address still warns that it is only a guess")
    func guessedPublicURLWarnsItIsAGuess() {
        let check = checkPublicCallbackURL(publicURL: nil, token: Self.token, listenPort: 8443, policy: policy,
                                           guessPublicURL: { _ in "https://93.184.215.14:8443" })
        #expect(check.outcome == .guessed)
        #expect(check.refusal == nil)
        #expect(check.message.contains("this is a guess"))
    }

    @Test("the guess takes the first public address, else the first non-loopback one, else the host name")
    func guessPrefersPublicAddresses() {
        let loopbacks = [IPAddress(127, 0, 0, 1), IPAddress(v6: 1), IPAddress("fe80::1")!]
        #expect(PublicURLGuess.guess(port: 8443, addresses: loopbacks + [IPAddress(10, 0, 0, 5), IPAddress(93, 184, 215, 14)],
                                     hostname: "box") == "https://93.184.215.14:8443")
        #expect(PublicURLGuess.guess(port: 8443, addresses: loopbacks + [IPAddress(10, 0, 0, 5), IPAddress(192, 168, 1, 2)],
                                     hostname: "box") == "https://10.0.0.5:8443")
        #expect(PublicURLGuess.guess(port: 8443, addresses: loopbacks + [IPAddress("2606:4700::1111")!],
                                     hostname: "box") == "https://[2606:4700::1111]:8443")
        #expect(PublicURLGuess.guess(port: 8443, addresses: loopbacks, hostname: "box") == "https://box:8443")
        #expect(PublicURLGuess.guess(port: 443, addresses: [], hostname: nil) == "https://localhost")
    }

    @Test("the guess from this machine is an https URL the policy can read")
    func systemGuessIsWellFormed() {
        let guess = PublicURLGuess.fromSystem(port: 8443)
        #expect(guess.hasPrefix("https://"))
        #expect(guess.hasSuffix(":8443"))
        let structural: Set<URLRule> = [.malformed, .schemeNotHTTPS, .missingHost, .badPort, .userInfo, .tooLong]
        if case .failure(let refusal) = URLPolicy(resolver: nil).check(guess) {
            #expect(!structural.contains(refusal.rule), "\(refusal)")
        }
    }
}
