import Testing
import Transport

/// The text form of a socket address, as the settings write it and as the log shows a peer.
@Suite("Socket addresses as text")
struct SocketAddressTests {
    @Test("parsing and printing give the same text back", arguments: [
        ("0.0.0.0:8443", "0.0.0.0", "0.0.0.0:8443"),
        ("127.0.0.1:0", "127.0.0.1", "127.0.0.1:0"),
        ("255.255.255.255:65535", "255.255.255.255", "255.255.255.255:65535"),
        ("[::]:8443", "::", "[::]:8443"),
        ("[::1]:443", "::1", "[::1]:443"),
        // The longest IPv6 text form (39 characters) fills inet_ntop's buffer but for its end.
        ("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
         "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:1"),
        ("[::ffff:192.168.1.1]:80", "::ffff:192.168.1.1", "[::ffff:192.168.1.1]:80"),
        // inet_ntop writes the canonical form: zeros compressed, lower case.
        ("[2001:DB8:0:0:0:0:0:1]:80", "2001:db8::1", "[2001:db8::1]:80"),
    ])
    func roundTrip(text: String, host: String, description: String) throws {
        let address = try SocketAddress(parsing: text)
        #expect(address.host == host)
        #expect(address.description == description)
    }

    @Test("a name, a missing port and a bad port are refused")
    func refusals() {
        #expect(throws: SocketAddressError.self) { try SocketAddress(parsing: "localhost:8443") }
        #expect(throws: SocketAddressError.self) { try SocketAddress(parsing: "127.0.0.1") }
        #expect(throws: SocketAddressError.self) { try SocketAddress(parsing: "127.0.0.1:65536") }
        #expect(throws: SocketAddressError.self) { try SocketAddress(parsing: "[::1]8443") }
    }
}
