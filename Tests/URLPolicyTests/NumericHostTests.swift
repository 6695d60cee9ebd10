import Glibc
import Testing
import URLPolicy

/// Numeric hosts must be read as resolvers read them, or a host the policy takes for
/// public could be reached as an internal one. The reference is glibc's inet_aton.
@Suite("Numeric hosts are read as inet_aton reads them")
struct NumericHostTests {
    static let hosts = [
        "127.0.0.1", "127.1", "127.0.1", "2130706433", "0x7f000001", "0X7F000001", "0177.0.0.1",
        "0x7f.0.0.1", "0x7f.1", "017700000001", "0177.01", "0.0.0.0", "0", "00", "0x0", "10.1",
        "10.0x10.1", "192.168.0x1", "192.11010049", "1.2.3.4", "255.255.255.255", "4294967295",
        "0xffffffff", "037777777777", "1.0xffffff", "1.2.0xffff", "0000000177.0.0.1",
        "0x00000000007f.1", "8.8.8.8", "134744072",
    ]

    static let invalid = [
        "4294967296", "0x100000000", "256.1.1.1", "1.256.1.1", "1.2.3.256", "1.2.65536", "1.16777216",
        "08.1.1.1", "09", "1.2.3.4.5", "1..2.3", "0x.1", "1.0x",
    ]

    /// Not numbers to inet_aton nor to WHATWG (the last label is no number): names,
    /// which getaddrinfo would look up in DNS and the policy resolves likewise.
    static let names = ["0x1g.com", "0xx1.net", "1.2.3.4a", "1.2.3.a", "1.2.3.-1", "0x7f.example"]

    @Test("valid numeric hosts give the address inet_aton gives", arguments: hosts)
    func readsLikeInetAton(_ host: String) throws {
        let lenient = URLPolicy(allowInternal: true, resolver: nil)
        let checked = try #require(lenient.check("https://\(host)/").success)
        var expected = in_addr()
        #expect(inet_aton(host, &expected) == 1)
        #expect(checked.host == .address(IPAddress(v4: UInt32(bigEndian: expected.s_addr))))
        #expect(checked.addresses == [IPAddress(v4: UInt32(bigEndian: expected.s_addr))])
    }

    @Test("hosts inet_aton refuses are refused as malformed", arguments: invalid)
    func refusesWhatInetAtonRefuses(_ host: String) throws {
        var ignored = in_addr()
        #expect(inet_aton(host, &ignored) == 0)
        let lenient = URLPolicy(allowInternal: true, resolver: nil)
        let refusal = try #require(lenient.check("https://\(host)/").failure)
        #expect(refusal.rule == .malformed, "\(refusal)")
    }

    @Test("hosts whose last label is no number are names", arguments: names)
    func nonNumericHostsAreNames(_ host: String) throws {
        var ignored = in_addr()
        #expect(inet_aton(host, &ignored) == 0)
        let checked = try #require(URLPolicy(resolver: nil).check("https://\(host)/").success)
        #expect(checked.host == .name(host))
    }

    @Test("one trailing dot is dropped before reading the number, as WHATWG does")
    func trailingDotIsDropped() throws {
        let lenient = URLPolicy(allowInternal: true, resolver: nil)
        #expect(lenient.check("https://1.2.3./").success?.host == .address(IPAddress(1, 2, 0, 3)))
        #expect(lenient.check("https://0x7f000001./").success?.host == .address(IPAddress(127, 0, 0, 1)))
    }
}
