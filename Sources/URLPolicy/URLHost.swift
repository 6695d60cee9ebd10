/// The host of a checked URL: a DNS name or an IP address.
public enum URLHost: Sendable, Hashable, CustomStringConvertible {
    /// Lower-case ASCII, no trailing dot: `videos.example.com`.
    case name(String)
    case address(IPAddress)

    /// `videos.example.com`, `192.0.2.1`, `2001:db8::1` (no brackets).
    public var description: String {
        switch self {
        case .name(let name): name
        case .address(let address): address.description
        }
    }

    /// The form that goes in a URL or a `Host` header: IPv6 in brackets.
    public var urlForm: String {
        if case .address(let address) = self, address.family == .v6 {
            return "[\(address)]"
        }
        return description
    }
}
