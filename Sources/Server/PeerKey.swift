import Transport

/// Whom a connection is counted against for the per-address cap: an IPv4 address, or the
/// /64 of an IPv6 one, since one subscriber is commonly given a whole /64 and could
/// otherwise open each connection from a new address. An IPv4-mapped IPv6 address
/// (`::ffff:a.b.c.d`, what a dual-stack listener sees of an IPv4 client) counts as its
/// IPv4 address, so one client is one key whichever listener it reaches.
struct PeerKey: Hashable, Sendable, CustomStringConvertible {
    private enum Kind: Hashable, Sendable {
        case ipv4(UInt32)
        case ipv6Prefix(UInt64)
    }

    private let kind: Kind

    init(_ address: SocketAddress) {
        self.init(hostBytes: address.hostBytes)
    }

    /// From the address in network order (4 or 16 bytes).
    init(hostBytes bytes: [UInt8]) {
        func number<T: FixedWidthInteger>(_ slice: ArraySlice<UInt8>, as _: T.Type) -> T {
            slice.reduce(T.zero) { $0 << 8 | T($1) }
        }
        if bytes.count == 4 {
            kind = .ipv4(number(bytes[...], as: UInt32.self))
        } else if bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF {
            kind = .ipv4(number(bytes[12..<16], as: UInt32.self))
        } else {
            kind = .ipv6Prefix(number(bytes.prefix(8), as: UInt64.self))
        }
    }

    /// `203.0.113.7`, or `2001:db8:1:2::/64`: what the log line names.
    var description: String {
        switch kind {
        case .ipv4(let value):
            return (0..<4).reversed().map { String(value >> (8 * $0) & 0xFF) }.joined(separator: ".")
        case .ipv6Prefix(let value):
            let groups = (0..<4).reversed().map { String(value >> (16 * $0) & 0xFFFF, radix: 16) }
            // The host half is all zeros here: "::" stands for it after the four groups,
            // or for the prefix's own trailing zero groups too.
            var kept = groups
            while kept.last == "0" { kept.removeLast() }
            return kept.joined(separator: ":") + "::/64"
        }
    }
}
