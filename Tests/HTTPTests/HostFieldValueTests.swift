@testable import HTTP
import Testing

/// One Host field value, and for a refused one the part of the message that says why.
struct HostCase: Sendable, CustomTestStringConvertible {
    var value: String
    var reason = ""

    var testDescription: String { "Host: \(value.debugDescription)" }

    static let accepted: [HostCase] = [
        HostCase(value: "example.com"),
        HostCase(value: "example.com:8443"),
        HostCase(value: "EXAMPLE.com:443"),
        HostCase(value: "localhost"),
        HostCase(value: "h"),
        HostCase(value: "127.0.0.1"),
        HostCase(value: "127.0.0.1:9090"),
        HostCase(value: "[::1]"),
        HostCase(value: "[::1]:8443"),
        HostCase(value: "[2001:db8::1]"),
        HostCase(value: "[2001:DB8:0:0:8:800:200C:417A]:80"),
        HostCase(value: "[::ffff:192.0.2.1]"),
        HostCase(value: "[1:2:3:4:5:6:192.0.2.1]"),
        HostCase(value: "[fe80::]"),
        HostCase(value: "[::]"),
        HostCase(value: "[v1.fe80::a+en1]"),
        HostCase(value: "xn--caf-dma.example"),
        HostCase(value: "caf%C3%A9.example"),
        HostCase(value: "a_b~c-d.e"),
        HostCase(value: "sub!$&'()*+;=delims"),
        HostCase(value: "999.1.1.1"),
        HostCase(value: "example.com:0"),
        HostCase(value: "example.com:65535"),
        HostCase(value: "example.com:08443"),
        // RFC 9110 §7.2: an empty Host when the target URI has no authority.
        HostCase(value: ""),
    ]

    static let refused: [HostCase] = [
        HostCase(value: "exa mple.com", reason: "whitespace (0x20)"),
        HostCase(value: "example.com :80", reason: "whitespace (0x20)"),
        HostCase(value: "a\tb", reason: "whitespace (0x09)"),
        HostCase(value: "a.example, b.example", reason: "',' is not allowed"),
        HostCase(value: "a.example,b.example", reason: "',' is not allowed"),
        HostCase(value: "example.com:", reason: "the port after ':' is empty"),
        HostCase(value: "[::1]:", reason: "the port after ':' is empty"),
        HostCase(value: "example.com:http", reason: "the port is not a number"),
        HostCase(value: "example.com:80a", reason: "the port is not a number"),
        HostCase(value: "example.com:-1", reason: "the port is not a number"),
        HostCase(value: "example.com:+80", reason: "the port is not a number"),
        HostCase(value: "example.com:80:81", reason: "the port is not a number"),
        HostCase(value: "example.com:65536", reason: "larger than 65535"),
        HostCase(value: "example.com:99999999999999999999999", reason: "larger than 65535"),
        HostCase(value: "::1", reason: "enclosed in '[' and ']'"),
        HostCase(value: "2001:db8::1", reason: "enclosed in '[' and ']'"),
        HostCase(value: ":80", reason: "the host before the port is empty"),
        HostCase(value: "[::1", reason: "no closing ']'"),
        HostCase(value: "[", reason: "no closing ']'"),
        HostCase(value: "[]", reason: "not an IPv6 address"),
        HostCase(value: "[zz::1]", reason: "not an IPv6 address"),
        HostCase(value: "[1.2.3.4]", reason: "not an IPv6 address"),
        HostCase(value: "[::1%25eth0]", reason: "not an IPv6 address"),
        HostCase(value: "[1:2:3:4:5:6:7]", reason: "not an IPv6 address"),
        HostCase(value: "[1:2:3:4:5:6:7:8:9]", reason: "not an IPv6 address"),
        HostCase(value: "[1::2::3]", reason: "not an IPv6 address"),
        HostCase(value: "[12345::1]", reason: "not an IPv6 address"),
        HostCase(value: "[:1]", reason: "not an IPv6 address"),
        HostCase(value: "[1:]", reason: "not an IPv6 address"),
        HostCase(value: "[:::]", reason: "not an IPv6 address"),
        HostCase(value: "[::256.1.1.1]", reason: "not an IPv6 address"),
        HostCase(value: "[::1.02.3.4]", reason: "not an IPv6 address"),
        HostCase(value: "[::1.2.3]", reason: "not an IPv6 address"),
        HostCase(value: "[::1.2.3.4:5]", reason: "not an IPv6 address"),
        HostCase(value: "[v1]", reason: "not an IPv6 address or IPvFuture"),
        HostCase(value: "[v.x]", reason: "not an IPv6 address or IPvFuture"),
        HostCase(value: "[v1.]", reason: "not an IPv6 address or IPvFuture"),
        // Found by the fuzzer: a sub-delim that RFC 3986 allows in an IPvFuture, refused
        // here as in a reg-name.
        HostCase(value: "[v1.fe80,=GET+en1]", reason: "',' is not allowed"),
        HostCase(value: "[v1.a],[v1.b]", reason: "',' follows the IP literal"),
        HostCase(value: "[::1]x", reason: "'x' follows the IP literal"),
        HostCase(value: "[::1]]", reason: "']' follows the IP literal"),
        HostCase(value: "example.com/path", reason: "'/' is not allowed"),
        HostCase(value: "user@example.com", reason: "'@' is not allowed"),
        HostCase(value: "<script>", reason: "'<' is not allowed"),
        HostCase(value: "example.com?x", reason: "'?' is not allowed"),
        HostCase(value: "example.com#x", reason: "'#' is not allowed"),
        HostCase(value: "a\\b", reason: "'\\' is not allowed"),
        HostCase(value: "a\"b", reason: "'\"' is not allowed"),
        HostCase(value: "ex[ample", reason: "'[' is not allowed"),
        HostCase(value: "caf\u{E9}.example", reason: "0xC3 is not allowed"),
        HostCase(value: "caf%C.example", reason: "'%' is not followed by two hexadecimal digits"),
        HostCase(value: "caf%zz", reason: "'%' is not followed by two hexadecimal digits"),
        HostCase(value: "caf%", reason: "'%' is not followed by two hexadecimal digits"),
    ]

    /// Control bytes never reach the Host check through the parser (the field scanner
    /// refuses them in any value first), so they are tried on the check itself.
    static let controls: [HostCase] = [
        HostCase(value: "a\u{00}b", reason: "0x00 is not allowed"),
        HostCase(value: "a\u{01}b", reason: "0x01 is not allowed"),
        HostCase(value: "a\u{1B}b", reason: "0x1B is not allowed"),
        HostCase(value: "a\u{7F}b", reason: "0x7F is not allowed"),
        HostCase(value: "a\rb", reason: "0x0D is not allowed"),
        HostCase(value: "a:8\u{00}", reason: "the port is not a number"),
    ]
}

@Suite("Host: the field value is uri-host [ \":\" port ] (RFC 9112 §3.2)")
struct HostFieldValueTests {
    @Test("a valid Host value is accepted and kept as sent", arguments: HostCase.accepted)
    func accepted(_ host: HostCase) throws {
        let outcome = parse("GET / HTTP/1.1\r\nHost: \(host.value)\r\n\r\n")
        #expect(outcome.error == nil, "\(outcome.error?.message ?? "")")
        let request = try #require(outcome.requests.first)
        #expect(request.head.headers["Host"] == host.value)
        #expect(problem(host.value) == nil)
    }

    @Test("an invalid Host value is 400, with the reason", arguments: HostCase.refused)
    func refused(_ host: HostCase) throws {
        let outcome = parse("GET / HTTP/1.1\r\nHost: \(host.value)\r\n\r\n")
        let error = try #require(outcome.error, "accepted")
        #expect(error.status == 400)
        #expect(error.param == "host")
        #expect(error.message.hasPrefix("invalid Host header: "), "\(error.message)")
        #expect(error.message.contains(host.reason), "\(error.message)")
        #expect(error.head?.target == "/", "the head comes with the error, for the log")
        #expect(outcome.requests.isEmpty)
    }

    @Test("a control byte in a Host value is refused by the check itself", arguments: HostCase.controls)
    func controls(_ host: HostCase) throws {
        let reason = try #require(problem(host.value), "accepted")
        #expect(reason.contains(host.reason), "\(reason)")
        let outcome = parse("GET / HTTP/1.1\r\nHost: \(host.value)\r\n\r\n")
        #expect(outcome.error?.status == 400, "and by the parser before it")
    }

    @Test("whitespace around the value is OWS, not part of it")
    func surroundingWhitespace() throws {
        let outcome = parse("GET / HTTP/1.1\r\nHost: \t example.com:8443 \t\r\n\r\n")
        #expect(try #require(outcome.requests.first).head.headers["Host"] == "example.com:8443")
    }

    @Test("an HTTP/1.0 request may have no Host, but a Host it has must be valid")
    func http10() throws {
        #expect(parse("GET / HTTP/1.0\r\n\r\n").requests.count == 1)
        let outcome = parse("GET / HTTP/1.0\r\nHost: a b\r\n\r\n")
        #expect(outcome.error?.status == 400)
        #expect(outcome.error?.message.hasPrefix("invalid Host header: ") == true)
    }

    @Test("a missing or repeated Host is still 400, and said so before the value is judged")
    func countBeforeValue() throws {
        let missing = try #require(parse("GET / HTTP/1.1\r\n\r\n").error)
        #expect(missing.status == 400)
        #expect(missing.message.contains("no Host header"))
        let twice = try #require(parse("GET / HTTP/1.1\r\nHost: a b\r\nHost: c\r\n\r\n").error)
        #expect(twice.status == 400)
        #expect(twice.message.contains("2 Host headers"))
        let emptyTwice = try #require(parse("GET / HTTP/1.1\r\nHost:\r\nHost:\r\n\r\n").error)
        #expect(emptyTwice.message.contains("2 Host headers"))
    }

    @Test("an absolute-form target does not excuse an invalid Host")
    func absoluteForm() throws {
        let outcome = parse("GET http://example.com/x HTTP/1.1\r\nHost: example.com:\r\n\r\n")
        #expect(outcome.error?.message.contains("the port after ':' is empty") == true)
    }

    @Test("the IPv6 check agrees with the nine forms of RFC 3986 §3.2.2")
    func ipv6Forms() {
        let valid = [
            "1:2:3:4:5:6:7:8", "::2:3:4:5:6:7:8", "1::3:4:5:6:7:8", "1:2::4:5:6:7:8", "1:2:3:4:5::7:8",
            "1:2:3:4:5:6::8", "1:2:3:4:5:6:7::", "::8", "1::", "::", "1:2:3:4:5:6:1.2.3.4", "::1.2.3.4",
            "1::1.2.3.4", "ffff:FFFF::0", "0:0:0:0:0:0:0:0", "::255.255.255.255",
        ]
        let invalid = [
            "", ":", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "::1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8::",
            "1:2:3:4:5:6:7::8", "1:2:3:4:5:6:7:1.2.3.4", "1.2.3.4", "1.2.3.4::", "::1.2.3.4:1",
            "g::", "12345::", "1:::2", "1::2::3", ":1::", "::1:", "::01.2.3.4", "::1.2.3.256",
        ]
        for text in valid {
            #expect(isIPv6(text), "\(text)")
        }
        for text in invalid {
            #expect(!isIPv6(text), "\(text)")
        }
    }

    @Test("the reg-name byte mask is unreserved and sub-delims without ','")
    func regNameMask() {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+;=".utf8)
        for byte in UInt8.min...UInt8.max {
            #expect(HostFieldValue.isRegNameByte(byte) == allowed.contains(byte), "byte \(byte)")
        }
    }

    private func problem(_ value: String) -> String? {
        Array(value.utf8).withUnsafeBufferPointer { HostFieldValue.problem(in: $0) }
    }

    private func isIPv6(_ text: String) -> Bool {
        Array(text.utf8).withUnsafeBufferPointer { HostFieldValue.isIPv6Address($0, from: 0, to: $0.count) }
    }
}
