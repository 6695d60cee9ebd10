import HTTP

/// What the server tells the rest of the daemon (metrics, the intake's record of
/// rejected bodies). Every hook runs on an event loop thread and must return quickly.
public struct ServerObserver: Sendable {
    /// Why a connection was closed without a word, before it could send a request.
    public enum Drop: String, Sendable, CaseIterable {
        /// Its address already had `limits.max_connections_per_address` open: closed at
        /// accept, before any TLS work.
        case addressCap = "address_cap"
        /// The listener was full and it had waited longest without finishing its TLS
        /// handshake: closed to make room for a new connection.
        case displaced
    }

    public var connectionOpened: @Sendable () -> Void
    public var connectionClosed: @Sendable () -> Void
    public var connectionDropped: @Sendable (_ why: Drop) -> Void
    /// A TLS handshake failed or a client spoke plain HTTP to the TLS port.
    public var handshakeFailed: @Sendable (_ reason: String) -> Void
    /// A request refused before it reached a handler (400, 408, 411, 413, 414, 431, 503),
    /// with the head when it was complete and the first bytes of its body.
    public var requestRefused: @Sendable (_ status: Int, _ reason: String, _ head: HTTPRequestHead?,
                                          _ bodyPrefix: [UInt8], _ context: RequestContext) -> Void

    public init(connectionOpened: @escaping @Sendable () -> Void = {},
                connectionClosed: @escaping @Sendable () -> Void = {},
                connectionDropped: @escaping @Sendable (_ why: Drop) -> Void = { _ in },
                handshakeFailed: @escaping @Sendable (_ reason: String) -> Void = { _ in },
                requestRefused: @escaping @Sendable (_ status: Int, _ reason: String, _ head: HTTPRequestHead?,
                                                     _ bodyPrefix: [UInt8], _ context: RequestContext) -> Void = { _, _, _, _, _ in }) {
        self.connectionOpened = connectionOpened
        self.connectionClosed = connectionClosed
        self.connectionDropped = connectionDropped
        self.handshakeFailed = handshakeFailed
        self.requestRefused = requestRefused
    }
}
