/// The `admin.*` settings: the token that guards the admin listener's archive page and
/// API when `admin_listen` is not on loopback (docs/archive-site.md).
public struct AdminSettings: Sendable, Equatable {
    /// 16 characters of base64 carry 96 bits; `openssl rand -base64 24` gives 32.
    public static let tokenLength = 16...4096

    /// From `admin.token`, or read from `admin.token_file`.
    public var token: Secret?
    /// Where the token was read from, when it came from a file (systemd credentials).
    public var tokenFile: String?

    public init(token: Secret? = nil, tokenFile: String? = nil) {
        self.token = token
        self.tokenFile = tokenFile
    }

    /// Whether a listener at `address` needs the token: anything but loopback does.
    public func isNeeded(for address: ListenAddress) -> Bool {
        !Self.isLoopback(address)
    }

    /// 127.0.0.0/8, `::1` or `localhost`.
    public static func isLoopback(_ address: ListenAddress) -> Bool {
        LoopbackHost.contains(address.host)
    }
}
