import Synchronization
import Testing
import URLPolicy

/// A resolver that answers from a table and remembers what it was asked.
final class RecordingResolver: HostResolver {
    private let answers: FixedHostResolver
    private let asked = Mutex<[String]>([])

    init(_ answers: [String: Result<[IPAddress], HostResolutionError>]) {
        self.answers = FixedHostResolver(answers)
    }

    var questions: [String] { asked.withLock { $0 } }

    func resolve(_ host: String) throws -> [IPAddress] {
        asked.withLock { $0.append(host) }
        return try answers.resolve(host)
    }
}

struct UnexpectedResolverFailure: Error, CustomStringConvertible {
    var description: String { "resolver exploded" }
}

struct ThrowingResolver: HostResolver {
    func resolve(_ host: String) throws -> [IPAddress] { throw UnexpectedResolverFailure() }
}

@Suite("Names and what they resolve to")
struct URLPolicyResolverTests {
    static let public4 = IPAddress(93, 184, 215, 14)
    static let public6 = IPAddress("2606:2800:21f:cb07:6820:80da:af6b:8b2c")!

    let resolver = RecordingResolver([
        "videos.example.com": .success([public4, public6]),
        "twice.example.com": .success([public4, public4, public6, public4]),
        "inside.example.com": .success([IPAddress(10, 0, 0, 1)]),
        "mixed.example.com": .success([public4, IPAddress(192, 168, 1, 20)]),
        "mixed6.example.com": .success([public6, IPAddress("fd00::5")!]),
        "metadata.example.com": .success([IPAddress(169, 254, 169, 254)]),
        "mapped.example.com": .success([IPAddress("::ffff:127.0.0.1")!]),
        "loop.example.com": .success([IPAddress(127, 0, 0, 1)]),
        "empty.example.com": .success([]),
        "flaky.example.com": .failure(HostResolutionError(kind: .temporary, detail: "Temporary failure in name resolution")),
        "broken.example.com": .failure(HostResolutionError(kind: .failed, detail: "Non-recoverable failure in name resolution")),
    ])

    var policy: URLPolicy { URLPolicy(resolver: resolver) }

    @Test("a public name is accepted with every address it resolved to, once each")
    func publicNameKeepsItsAddresses() throws {
        let checked = try #require(policy.check("https://videos.example.com/v.mp4").success)
        #expect(checked.addresses == [Self.public4, Self.public6])
        let twice = try #require(policy.check("https://twice.example.com/").success)
        #expect(twice.addresses == [Self.public4, Self.public6])
    }

    @Test("a public-looking name that resolves to 10.0.0.1 is refused, naming the address and range")
    func nameResolvingToPrivateIsRefused() throws {
        let refusal = try #require(policy.check("https://inside.example.com/").failure)
        #expect(refusal.rule == .resolvesInternal)
        #expect(refusal.part == "inside.example.com")
        #expect(refusal.message.contains("10.0.0.1"))
        #expect(refusal.message.contains("private-use (10.0.0.0/8)"))
    }

    @Test("a name with one public and one private address is refused: every address must pass",
          arguments: ["mixed.example.com", "mixed6.example.com"])
    func oneInternalAddressAmongPublicOnesIsRefused(_ host: String) throws {
        let refusal = try #require(policy.check("https://\(host)/").failure)
        #expect(refusal.rule == .resolvesInternal)
        #expect(refusal.message.contains("one of 2 addresses"))
    }

    @Test("names resolving to metadata, mapped and loopback addresses are refused",
          arguments: ["metadata.example.com": "link-local", "mapped.example.com": "IPv4-mapped",
                      "loop.example.com": "loopback"])
    func otherInternalAnswersAreRefused(_ host: String, _ range: String) throws {
        let refusal = try #require(policy.check("https://\(host)/").failure)
        #expect(refusal.rule == .resolvesInternal)
        #expect(refusal.message.contains(range))
    }

    @Test("a name that does not exist is unresolvable, for good")
    func unknownNameIsUnresolvable() throws {
        let refusal = try #require(policy.check("https://nowhere.example.com/").failure)
        #expect(refusal.rule == .unresolvable)
        #expect(refusal.message.contains("nowhere.example.com"))
        #expect(!refusal.isTemporary)
    }

    @Test("a temporary resolver failure is unresolvable and marked temporary")
    func temporaryFailureIsMarked() throws {
        let refusal = try #require(policy.check("https://flaky.example.com/").failure)
        #expect(refusal.rule == .unresolvable)
        #expect(refusal.isTemporary)
        #expect(refusal.message.contains("Temporary failure"))
        let broken = try #require(policy.check("https://broken.example.com/").failure)
        #expect(broken.rule == .unresolvable)
        #expect(!broken.isTemporary)
    }

    @Test("a name with no address, or a resolver throwing its own error, is unresolvable")
    func emptyAnswerAndForeignErrorsAreUnresolvable() throws {
        let empty = try #require(policy.check("https://empty.example.com/").failure)
        #expect(empty.rule == .unresolvable)
        #expect(empty.message.contains("no address"))
        let foreign = try #require(URLPolicy(resolver: ThrowingResolver()).check("https://a.example.com/").failure)
        #expect(foreign.rule == .unresolvable)
        #expect(foreign.message.contains("resolver exploded"))
    }

    @Test("the resolver is asked the lower-case name without its trailing dot")
    func resolverGetsTheNormalizedName() throws {
        let checked = try #require(policy.check("https://Videos.EXAMPLE.com./").success)
        #expect(checked.host == .name("videos.example.com"))
        #expect(resolver.questions == ["videos.example.com"])
    }

    @Test("IP literals, localhost names and refused URLs never reach the resolver")
    func resolverIsNotAskedNeedlessly() {
        for url in ["https://8.8.8.8/", "https://[2606:4700::1111]/", "https://localhost/",
                    "https://printer.local/", "http://videos.example.com/", "https://u@videos.example.com/",
                    "https://videos.example.com:0/"] {
            _ = policy.check(url)
        }
        #expect(resolver.questions.isEmpty)
    }

    @Test("without a resolver a name is judged by its form and carries no address")
    func noDNSModeSkipsResolution() throws {
        let checked = try #require(URLPolicy(resolver: nil).check("https://inside.example.com/").success)
        #expect(checked.addresses.isEmpty)
    }

    @Test("allowInternal lets internal addresses and names through, and nothing else")
    func allowInternalRelaxesOnlyAddresses() throws {
        let lenient = URLPolicy(allowInternal: true, resolver: resolver)
        #expect(lenient.check("https://inside.example.com/").success?.addresses == [IPAddress(10, 0, 0, 1)])
        #expect(lenient.check("https://127.0.0.1:8443/v.mp4").success?.addresses == [IPAddress(127, 0, 0, 1)])
        #expect(lenient.check("https://[::1]:8443/").success?.addresses == [IPAddress(v6: 1)])
        #expect(lenient.check("http://127.0.0.1/").failure?.rule == .schemeNotHTTPS)
        #expect(lenient.check("https://u@127.0.0.1/").failure?.rule == .userInfo)
        #expect(lenient.check("https://nowhere.example.com/").failure?.rule == .unresolvable)
        #expect(lenient.check("https://[fe80::1%25eth0]/").failure?.rule == .malformed)
        #expect(!URLPolicy(resolver: resolver).allowInternal)
    }

    @Test("the system resolver finds localhost on this machine, and the policy refuses it by name")
    func systemResolverOnLocalhost() throws {
        let addresses = try SystemHostResolver().resolve("localhost")
        #expect(!addresses.isEmpty)
        #expect(addresses.allSatisfy { $0.specialPurposeRange?.contains("loopback") == true })
        let refusal = try #require(URLPolicy(resolver: SystemHostResolver()).check("https://localhost:8443/").failure)
        #expect(refusal.rule == .localhostName)
        let lenient = URLPolicy(allowInternal: true, resolver: SystemHostResolver())
        let checked = try #require(lenient.check("https://localhost:8443/").success)
        #expect(checked.addresses.contains(IPAddress(127, 0, 0, 1)) || checked.addresses.contains(IPAddress(v6: 1)))
    }

    @Test("the system resolver reports a name that cannot exist as not found")
    func systemResolverReportsFailures() {
        // An empty label is refused by the resolver itself, without asking DNS.
        #expect {
            try SystemHostResolver().resolve("a..b")
        } throws: { error in
            (error as? HostResolutionError).map { !$0.detail.isEmpty } ?? false
        }
    }
}
