/// The rule a URL broke. The raw value is stable: scripts, tests and log lines match on
/// it, so a rule is never renamed.
public enum URLRule: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Not a URL the policy can read safely: control characters, whitespace, non-ASCII,
    /// backslashes, no `//`, bad brackets or percent-encoding, a host with forbidden
    /// characters, a numeric host that is no valid address, an IPv6 zone id.
    case malformed
    /// Longer than 2048 characters.
    case tooLong = "too-long"
    /// A scheme other than `https` (or `http`, where the policy allows plain HTTP), or none.
    case schemeNotHTTPS = "scheme-not-https"
    /// No host between `//` and the path.
    case missingHost = "missing-host"
    /// `user@` or `user:pass@` before the host.
    case userInfo = "user-info"
    /// A port that is empty, not a number, or outside 1...65535.
    case badPort = "bad-port"
    /// The host is an IP address outside global unicast.
    case internalAddress = "internal-address"
    /// `localhost`, `*.localhost`.
    case localhostName = "localhost-name"
    /// A name that only a local network can mean: a single label, `.local`,
    /// `.internal`, `.home.arpa`, `.localdomain`.
    case internalName = "internal-name"
    /// The name does not resolve (no such name, or the resolver failed).
    case unresolvable
    /// The name resolves to at least one address outside global unicast.
    case resolvesInternal = "resolves-internal"

    public var description: String { rawValue }
}
