/// The `limits.*` settings: what one connection or request may use before the server
/// refuses it. The sizes match `HTTPLimits`' defaults in the HTTP module.
public struct ConnectionLimits: Sendable, Equatable {
    public var maxBodyBytes: Int
    public var maxHeaderBytes: Int
    public var maxHeaderCount: Int
    public var maxURIBytes: Int
    /// Time from accept to the end of the TLS handshake (a slow one is closed).
    public var handshakeTimeout: Duration
    /// Time allowed for the whole request head to arrive, from the end of the handshake
    /// or of the previous answer (a slow client gets 408).
    public var headerTimeout: Duration
    /// Time allowed for the body to arrive once the head is in.
    public var bodyTimeout: Duration
    /// How long a keep-alive connection may wait for its next request.
    public var idleTimeout: Duration
    public var maxConnections: Int
    /// Connections open at once from one address (one IPv6 /64).
    public var maxConnectionsPerAddress: Int

    public init(
        maxBodyBytes: Int = 1 << 20,
        maxHeaderBytes: Int = 16 << 10,
        maxHeaderCount: Int = 64,
        maxURIBytes: Int = 2048,
        handshakeTimeout: Duration = .seconds(5),
        headerTimeout: Duration = .seconds(10),
        bodyTimeout: Duration = .seconds(10),
        idleTimeout: Duration = .seconds(60),
        maxConnections: Int = 10_000,
        maxConnectionsPerAddress: Int = 256
    ) {
        self.maxBodyBytes = maxBodyBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxURIBytes = maxURIBytes
        self.handshakeTimeout = handshakeTimeout
        self.headerTimeout = headerTimeout
        self.bodyTimeout = bodyTimeout
        self.idleTimeout = idleTimeout
        self.maxConnections = maxConnections
        self.maxConnectionsPerAddress = maxConnectionsPerAddress
    }
}
