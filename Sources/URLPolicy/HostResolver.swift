/// Turns a name into addresses. Behind a protocol so tests give any answer they need,
/// and so the downloader resolves once, through the policy, and connects to exactly the
/// addresses that passed.
public protocol HostResolver: Sendable {
    /// Every address of `host` (a lower-case name without trailing dot), IPv4 and IPv6.
    /// Throws when the name cannot be resolved, preferably a `HostResolutionError`.
    func resolve(_ host: String) throws -> [IPAddress]
}

/// Why a name did not resolve.
public struct HostResolutionError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// The name does not exist, or has no address (NXDOMAIN, NODATA).
        case notFound
        /// The resolver could not answer now (`EAI_AGAIN`): worth another try later.
        case temporary
        /// Any other failure.
        case failed
    }

    public let kind: Kind
    /// The resolver's own words, such as `gai_strerror`'s.
    public let detail: String

    public init(kind: Kind, detail: String) {
        self.kind = kind
        self.detail = detail
    }

    public var description: String { detail }
}
