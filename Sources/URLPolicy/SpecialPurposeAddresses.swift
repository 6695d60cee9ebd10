/// The IANA IPv4 and IPv6 Special-Purpose Address Registries (as of 2025), plus the
/// multicast blocks and, for IPv6, everything outside global unicast 2000::/3.
///
/// Only global unicast passes. Every entry of the registries is refused, even the few
/// that IANA marks globally reachable (AS112, AMT anycast): none is a host that serves
/// callbacks or videos, and refusing them costs nothing. IPv6 forms that carry an IPv4
/// address are judged by the IPv4 address inside (mapped, NAT64, 6to4) or refused
/// outright (IPv4-compatible, Teredo).
enum SpecialPurposeAddresses {
    /// Why an address is refused; nil when it is global unicast.
    static func refusalReason(for address: IPAddress) -> String? {
        switch address.storage {
        case .v4:
            return mostSpecific(ipv4, containing: address)?.label
        case .v6(let value):
            return ipv6Reason(address, value)
        }
    }

    private static func ipv6Reason(_ address: IPAddress, _ value: UInt128) -> String? {
        let low32 = IPAddress(v4: UInt32(truncatingIfNeeded: value))
        if mapped.contains(address) {
            return embedded(in: mapped, ipv4: low32)
        }
        if nat64.contains(address) {
            return embedded(in: nat64, ipv4: low32)
        }
        if sixToFour.contains(address) {
            return embedded(in: sixToFour, ipv4: IPAddress(v4: UInt32(truncatingIfNeeded: value >> 80)))
        }
        if let range = mostSpecific(ipv6, containing: address) {
            if range.prefixLength == 96, range.name == compatibleName {
                return "\(range.label), a deprecated form that embeds \(low32)"
            }
            return range.label
        }
        if !globalUnicast.contains(address) {
            return "outside \(globalUnicast.label)"
        }
        return nil
    }

    /// A form that carries an IPv4 address passes only when that address would.
    private static func embedded(in range: AddressRange, ipv4: IPAddress) -> String? {
        guard let inner = refusalReason(for: ipv4) else { return nil }
        return "\(range.label) embedding \(ipv4), \(inner)"
    }

    private static func mostSpecific(_ ranges: [AddressRange], containing address: IPAddress) -> AddressRange? {
        ranges.filter { $0.contains(address) }.max { $0.prefixLength < $1.prefixLength }
    }

    static let ipv4: [AddressRange] = [
        AddressRange("0.0.0.0/8", "this network"),
        AddressRange("0.0.0.0/32", "unspecified"),
        AddressRange("10.0.0.0/8", "private-use"),
        AddressRange("100.64.0.0/10", "shared address space (CGNAT)"),
        AddressRange("127.0.0.0/8", "loopback"),
        AddressRange("169.254.0.0/16", "link-local"),
        AddressRange("172.16.0.0/12", "private-use"),
        AddressRange("192.0.0.0/24", "IETF protocol assignments"),
        AddressRange("192.0.0.0/29", "IPv4 service continuity prefix (DS-Lite)"),
        AddressRange("192.0.0.8/32", "IPv4 dummy address"),
        AddressRange("192.0.0.9/32", "port control protocol anycast"),
        AddressRange("192.0.0.10/32", "TURN anycast"),
        AddressRange("192.0.0.170/31", "NAT64/DNS64 discovery"),
        AddressRange("192.0.2.0/24", "documentation (TEST-NET-1)"),
        AddressRange("192.31.196.0/24", "AS112-v4"),
        AddressRange("192.52.193.0/24", "AMT"),
        AddressRange("192.88.99.0/24", "deprecated 6to4 relay anycast"),
        AddressRange("192.168.0.0/16", "private-use"),
        AddressRange("192.175.48.0/24", "direct delegation AS112 service"),
        AddressRange("198.18.0.0/15", "benchmarking"),
        AddressRange("198.51.100.0/24", "documentation (TEST-NET-2)"),
        AddressRange("203.0.113.0/24", "documentation (TEST-NET-3)"),
        AddressRange("224.0.0.0/4", "multicast"),
        AddressRange("240.0.0.0/4", "reserved"),
        AddressRange("255.255.255.255/32", "limited broadcast"),
    ]

    private static let compatibleName = "IPv4-compatible"

    static let ipv6: [AddressRange] = [
        AddressRange("::/128", "unspecified"),
        AddressRange("::1/128", "loopback"),
        AddressRange("::/96", compatibleName),
        AddressRange("64:ff9b:1::/48", "local-use IPv4/IPv6 translation"),
        AddressRange("100::/64", "discard-only"),
        AddressRange("100:0:0:1::/64", "dummy IPv6 prefix"),
        AddressRange("2001::/23", "IETF protocol assignments"),
        AddressRange("2001::/32", "Teredo tunnelling"),
        AddressRange("2001:1::1/128", "port control protocol anycast"),
        AddressRange("2001:1::2/128", "TURN anycast"),
        AddressRange("2001:2::/48", "benchmarking"),
        AddressRange("2001:3::/32", "AMT"),
        AddressRange("2001:4:112::/48", "AS112-v6"),
        AddressRange("2001:10::/28", "deprecated ORCHID"),
        AddressRange("2001:20::/28", "ORCHIDv2"),
        AddressRange("2001:db8::/32", "documentation"),
        AddressRange("2620:4f:8000::/48", "direct delegation AS112 service"),
        AddressRange("3fff::/20", "documentation"),
        AddressRange("5f00::/16", "segment routing SIDs"),
        AddressRange("fc00::/7", "unique-local"),
        AddressRange("fe80::/10", "link-local"),
        AddressRange("fec0::/10", "site-local (deprecated)"),
        AddressRange("ff00::/8", "multicast"),
    ]

    static let mapped = AddressRange("::ffff:0:0/96", "IPv4-mapped")
    static let nat64 = AddressRange("64:ff9b::/96", "NAT64")
    static let sixToFour = AddressRange("2002::/16", "6to4")
    static let globalUnicast = AddressRange("2000::/3", "global unicast")
}

extension IPAddress {
    /// Why this address is not one the policy lets a URL reach, naming the IANA range it
    /// falls in (`loopback (127.0.0.0/8)`); nil for global unicast.
    public var specialPurposeRange: String? {
        SpecialPurposeAddresses.refusalReason(for: self)
    }
}
