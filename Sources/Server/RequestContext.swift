import Transport

/// What a handler knows about the request besides its bytes.
public struct RequestContext: Sendable {
    /// The client's address; nil only if the kernel could not say.
    public var peer: SocketAddress?
    /// Monotonic time the request was complete, for "time to answer" in the log.
    public var receivedAt: UInt64
    /// True on the TLS listener.
    public var isTLS: Bool

    public init(peer: SocketAddress?, receivedAt: UInt64, isTLS: Bool) {
        self.peer = peer
        self.receivedAt = receivedAt
        self.isTLS = isTLS
    }

    /// "203.0.113.5:41234", or "-" when unknown: the form the log uses.
    public var peerDescription: String { peer?.description ?? "-" }
}
