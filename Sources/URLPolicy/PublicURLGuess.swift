import Glibc

/// The public URL `serve` guesses when none is configured: `https://<address>:<port>`
/// with this machine's first public address, else its first other non-loopback address,
/// else its host name.
public enum PublicURLGuess {
    /// The guess from addresses and a host name given; port 443 is left out of the URL.
    public static func guess(port: Int, addresses: [IPAddress], hostname: String?) -> String {
        let usable = addresses.filter { !$0.isLoopback && !$0.isLinkLocal && !$0.isUnspecified }
        let host: String
        if let chosen = usable.first(where: { $0.specialPurposeRange == nil }) ?? usable.first {
            host = URLHost.address(chosen).urlForm
        } else if let hostname, !hostname.isEmpty {
            host = hostname
        } else {
            host = "localhost"
        }
        return port == RawURL.defaultPort ? "https://\(host)" : "https://\(host):\(port)"
    }

    /// The guess from this machine's interfaces (`getifaddrs`) and `gethostname`.
    public static func fromSystem(port: Int) -> String {
        guess(port: port, addresses: interfaceAddresses(), hostname: hostName())
    }

    /// Addresses of the interfaces that are up, in the order the kernel lists them.
    static func interfaceAddresses() -> [IPAddress] {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0 else { return [] }
        defer { freeifaddrs(list) }
        var addresses: [IPAddress] = []
        var entry = list
        while let current = entry {
            if current.pointee.ifa_flags & UInt32(IFF_UP) != 0,
               let socketAddress = current.pointee.ifa_addr,
               let address = IPAddress(socketAddress: UnsafePointer(socketAddress)) {
                addresses.append(address)
            }
            entry = current.pointee.ifa_next
        }
        return addresses
    }

    static func hostName() -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension IPAddress {
    var isLoopback: Bool { Self.loopback.contains { $0.contains(self) } }
    var isLinkLocal: Bool { Self.linkLocal.contains { $0.contains(self) } }
    var isUnspecified: Bool { self == IPAddress(v4: 0) || self == IPAddress(v6: 0) }

    private static let loopback = [AddressRange("127.0.0.0/8", "loopback"), AddressRange("::1/128", "loopback")]
    private static let linkLocal = [AddressRange("169.254.0.0/16", "link-local"), AddressRange("fe80::/10", "link-local")]
}
