/// A URL the policy accepted, already cut into the parts a client needs. The downloader
/// connects to `addresses` only: they are the ones that were judged.
public struct CheckedURL: Sendable, Hashable, CustomStringConvertible {
    /// `https`, or `http` when the policy allowed plain HTTP.
    public let scheme: String
    public let host: URLHost
    /// 443 (80 for `http`) unless the URL names another.
    public let port: Int
    public let hasExplicitPort: Bool
    /// The request target: path (`/` when the URL has none) and query, no fragment.
    public let pathAndQuery: String
    /// Every address the host resolved to, all of them global unicast (or allowed by
    /// `allowInternal`), in the resolver's order without repeats. For an IP literal, that
    /// address. Empty only when a name was judged without resolving (no resolver).
    public let addresses: [IPAddress]

    /// True for `https`: the client shakes hands before it sends; false for plain `http`.
    public var usesTLS: Bool { scheme == "https" }

    /// The `Host` header: `example.com`, `example.com:8443`, `[2001:db8::1]:8443`; the
    /// scheme's own port (443, or 80 for `http`) is left out.
    public var hostHeader: String {
        let schemePort = usesTLS ? RawURL.defaultPort : RawURL.plainHTTPDefaultPort
        return hasExplicitPort && port != schemePort ? "\(host.urlForm):\(port)" : host.urlForm
    }

    /// The name for TLS SNI and certificate checks; nil for an IP literal, which SNI
    /// does not carry (RFC 6066 3).
    public var serverName: String? {
        if case .name(let name) = host { name } else { nil }
    }

    /// The URL as it will be requested: `https://example.com/v.mp4?sig=1`.
    public var description: String { "\(scheme)://\(hostHeader)\(pathAndQuery)" }
}
