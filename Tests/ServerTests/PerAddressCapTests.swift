@testable import Server
import Testing
import Transport

@Suite("The per-address cap: whom a connection counts against, and the count")
struct PerAddressCapTests {
    func key(_ text: String) throws -> PeerKey {
        PeerKey(try SocketAddress(parsing: text))
    }

    @Test("IPv4 addresses are keys of their own, whatever the port")
    func ipv4() throws {
        #expect(try key("203.0.113.7:1000") == key("203.0.113.7:2000"))
        #expect(try key("203.0.113.7:1000") != key("203.0.113.8:1000"))
        #expect(try key("203.0.113.7:1000").description == "203.0.113.7")
    }

    @Test("IPv6 addresses count per /64: the host half does not matter, the prefix does")
    func ipv6PerPrefix() throws {
        #expect(try key("[2001:db8:1:2::1]:1") == key("[2001:db8:1:2:ffff:ffff:ffff:ffff]:2"))
        #expect(try key("[2001:db8:1:2::1]:1") != key("[2001:db8:1:3::1]:1"))
        #expect(try key("[2001:db8:1:2::1]:1").description == "2001:db8:1:2::/64")
        #expect(try key("[2001:db8::7]:1").description == "2001:db8::/64")
        #expect(try key("[::1]:1").description == "::/64")
    }

    @Test("an IPv4-mapped IPv6 address counts as its IPv4 address, not as ::ffff:0:0/64")
    func mappedIPv4() throws {
        #expect(try key("[::ffff:192.0.2.1]:443") == key("192.0.2.1:80"))
        #expect(try key("[::ffff:192.0.2.1]:443") != key("[::ffff:192.0.2.2]:443"))
        #expect(try key("[::ffff:192.0.2.1]:443").description == "192.0.2.1")
        // Not mapped: a /64 that merely starts with zeros.
        #expect(try key("[::1:ffff:c000:201]:1") != key("192.0.2.1:1"))
    }

    @Test("an address is admitted up to the cap, refused past it, and admitted again once one closes; others are unaffected")
    func capAndRelease() throws {
        let table = ConnectionsPerAddress()
        let flood = try key("127.0.0.2:1")
        let other = try key("127.0.0.1:1")
        for _ in 0..<3 { #expect(table.admit(flood, limit: 3, now: 0) == .admitted) }
        #expect(table.admit(flood, limit: 3, now: 0) == .refused(log: 1))
        #expect(table.admit(other, limit: 3, now: 0) == .admitted)
        #expect(table.openCount(flood) == 3)
        table.release(flood)
        #expect(table.admit(flood, limit: 3, now: 0) == .admitted)
        for _ in 0..<3 { table.release(flood) }
        table.release(flood)  // one too many: no negative count
        #expect(table.openCount(flood) == 0)
        #expect(table.openCount(other) == 1)
    }

    @Test("refusals are reported once a minute per address, with the count since the last report")
    func reportedOnceAMinute() throws {
        let table = ConnectionsPerAddress()
        let flood = try key("127.0.0.2:1")
        let second: UInt64 = 1_000_000_000
        #expect(table.admit(flood, limit: 1, now: 0) == .admitted)
        #expect(table.admit(flood, limit: 1, now: 1 * second) == .refused(log: 1))
        for moment in 2...60 { #expect(table.admit(flood, limit: 1, now: UInt64(moment) * second) == .refused(log: nil)) }
        // A minute after the report: this one and the 59 left unreported.
        #expect(table.admit(flood, limit: 1, now: 61 * second) == .refused(log: 60))
        #expect(table.admit(flood, limit: 1, now: 62 * second) == .refused(log: nil))
        // Another address has its own minute.
        let other = try key("[2001:db8::1]:1")
        #expect(table.admit(other, limit: 0, now: 62 * second) == .refused(log: 1))
    }

    @Test("addresses refused long ago are forgotten once many are remembered")
    func refusedTableIsBounded() {
        let table = ConnectionsPerAddress()
        let count = ConnectionsPerAddress.refusedAddressesKept
        for index in 0..<count {
            let bytes: [UInt8] = [10, UInt8(index >> 16 & 0xFF), UInt8(index >> 8 & 0xFF), UInt8(index & 0xFF)]
            #expect(table.admit(PeerKey(hostBytes: bytes), limit: 0, now: 0) == .refused(log: 1))
        }
        // Past the interval, a new address makes room; the first is then reported afresh.
        let later = ConnectionsPerAddress.logInterval + 1
        #expect(table.admit(PeerKey(hostBytes: [11, 0, 0, 1]), limit: 0, now: later) == .refused(log: 1))
        #expect(table.admit(PeerKey(hostBytes: [10, 0, 0, 0]), limit: 0, now: later) == .refused(log: 1))
    }
}
