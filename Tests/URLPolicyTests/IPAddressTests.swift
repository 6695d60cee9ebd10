import Glibc
import Testing
import URLPolicy

@Suite("IP addresses: text, bytes and socket addresses")
struct IPAddressTests {
    @Test("IPv4 text is read and printed as inet_pton and inet_ntop do")
    func ipv4TextMatchesLibc() {
        let texts = ["0.0.0.0", "8.8.8.8", "192.0.2.1", "255.255.255.255", "1.2.3.4",
                     "01.2.3.4", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.-4", "", "a.b.c.d", " 1.2.3.4"]
        for text in texts {
            #expect(IPAddress(text)?.description == libcPresentation(text, family: AF_INET), "\(text)")
        }
    }

    @Test("IPv6 text is read and printed as inet_pton and inet_ntop do")
    func ipv6TextMatchesLibc() {
        let texts = ["::", "::1", "1::", "2001:db8::1", "2001:DB8:0:0:0:0:0:1", "2001:db8:0:0:1:0:0:1",
                     "2001:0db8:0000:0000:0000:ff00:0042:8329", "fe80::1:2:3:4", "1:2:3:4:5:6:7:8",
                     "1:0:0:2:0:0:0:3", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "::ffff:192.0.2.1",
                     "::ffff:c000:0201", "64:ff9b::192.0.2.1", "1:2:3:4:5:6:1.2.3.4", "0:0:0:0:0:0:0:0",
                     "1:2:3:4:5:6:7:8:9", "1::2::3", ":1::2", "1::2:", "12345::", "1:2:3:4:5:6:7",
                     "::1.2.3", "::1.2.3.04", "g::1", "1:::2", ":::", "1.2.3.4::", "::ffff:1.2.3.4:5"]
        for text in texts {
            #expect(IPAddress(text)?.description == libcPresentation(text, family: AF_INET6), "\(text)")
        }
    }

    @Test("printing then reading gives the same address, for many generated addresses")
    func printedFormReadsBack() {
        var generator = SplitMix64(seed: 42)
        for _ in 0..<2000 {
            // Groups are often zero, so the runs that "::" shortens come up.
            let groups = (0..<8).map { _ in generator.next() % 3 == 0 ? 0 : UInt16(truncatingIfNeeded: generator.next()) }
            let value = groups.reduce(UInt128(0)) { $0 << 16 | UInt128($1) }
            let address = IPAddress(v6: value)
            #expect(IPAddress(address.description) == address)
            // glibc prints the deprecated IPv4-compatible form ::a.b.c.d in mixed
            // notation; RFC 5952 keeps mixed notation for IPv4-mapped addresses only.
            if value >> 32 != 0 {
                #expect(address.description == libcPresentation(address.description, family: AF_INET6))
            }
        }
    }

    @Test("bytes are in network order and read back")
    func bytesRoundTrip() throws {
        let v4 = IPAddress(192, 0, 2, 1)
        #expect(v4.bytes == [192, 0, 2, 1])
        #expect(v4.v4Value == 0xc000_0201)
        #expect(v4.family == .v4)
        let v6 = try #require(IPAddress("2001:db8::1"))
        #expect(v6.bytes == [0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [1])
        #expect(IPAddress(bytes: v6.bytes) == v6)
        #expect(IPAddress(bytes: v4.bytes) == v4)
        #expect(IPAddress(bytes: [1, 2, 3]) == nil)
        #expect(IPAddress(v4: 1) != IPAddress(v6: 1))
    }

    @Test("socket addresses carry the address and the port in network order")
    func socketAddressRoundTrip() throws {
        for text in ["203.0.113.7", "2001:db8::7", "::ffff:203.0.113.7"] {
            let address = try #require(IPAddress(text))
            var (storage, length) = address.socketAddress(port: 8443)
            let back = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { IPAddress(socketAddress: $0) }
            }
            #expect(back == address)
            let port = withUnsafePointer(to: &storage) { pointer -> UInt16 in
                if address.family == .v4 {
                    #expect(length == socklen_t(MemoryLayout<sockaddr_in>.size))
                    return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
                }
                #expect(length == socklen_t(MemoryLayout<sockaddr_in6>.size))
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) }
            }
            #expect(port == 8443)
        }
    }

    @Test("a socket address of another family is no IP address")
    func unixSocketAddressIsNotAnIPAddress() {
        var unixAddress = sockaddr_un()
        unixAddress.sun_family = sa_family_t(AF_UNIX)
        let address = withUnsafePointer(to: &unixAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { IPAddress(socketAddress: $0) }
        }
        #expect(address == nil)
    }
}

/// What glibc makes of `text`: parsed with inet_pton, printed with inet_ntop.
func libcPresentation(_ text: String, family: Int32) -> String? {
    var buffer = [UInt8](repeating: 0, count: 16)
    guard inet_pton(family, text, &buffer) == 1 else { return nil }
    var output = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
    guard inet_ntop(family, buffer, &output, socklen_t(output.count)) != nil else { return nil }
    return String(decoding: output.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// A small seeded generator, so a failure can be replayed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
