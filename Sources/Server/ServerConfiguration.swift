import HTTP

/// How the server behaves, with a default for every value. Timeouts are seconds.
public struct ServerConfiguration: Sendable {
    public var limits: HTTPLimits
    /// From accept to the end of the TLS handshake; over it the connection is closed
    /// without a word. Cuts clients that trickle their ClientHello.
    public var handshakeTimeout: Double
    /// From the end of the handshake (or of the previous answer) to the end of a head;
    /// over it: 408 and close. The first byte of the head does not restart it, so a client
    /// that sends a byte at a time is cut at this, not at twice this.
    public var headerTimeout: Double
    /// From the end of the head to the end of the body; over it: 408 and close.
    public var bodyTimeout: Double
    /// How long a keep-alive connection may wait between requests, and how long an answer
    /// may wait for a client that does not read it.
    public var idleTimeout: Double
    /// Open connections across all loops. Beyond it a new one on a TLS listener displaces
    /// the accepting loop's longest-waiting unfinished handshake; with none, it gets 503
    /// and is closed.
    public var maxConnections: Int
    /// Open connections from one address (an IPv6 /64); a new one past it is closed at
    /// accept, before any TLS work, so one client cannot take the slots of all others.
    public var maxConnectionsPerAddress: Int
    /// Event loop threads; one per core by default.
    public var loopCount: Int
    /// How long a graceful stop waits for requests in flight.
    public var shutdownGrace: Double
    /// The loop threads' names are this and their number ("vh-loop-0"), as `top -H` shows
    /// them: Linux keeps 15 bytes of a thread's name, so the number fits after at most 12.
    public var threadName: String
    /// Once the open connections have fallen this many below their peak, the heap they
    /// held goes back to the kernel (``HeapReturnTrigger``); 0 never. 1024 connections
    /// held about 16 MB, and giving it back holds up a loop's allocations for 1–6 ms.
    public var heapReturnDrop: Int

    public init(limits: HTTPLimits = HTTPLimits(), handshakeTimeout: Double = 5, headerTimeout: Double = 10,
                bodyTimeout: Double = 10, idleTimeout: Double = 60, maxConnections: Int = 10_000,
                maxConnectionsPerAddress: Int = 256, loopCount: Int = 0, shutdownGrace: Double = 10,
                threadName: String = "vh-loop", heapReturnDrop: Int = 1024) {
        self.limits = limits
        self.handshakeTimeout = handshakeTimeout
        self.headerTimeout = headerTimeout
        self.bodyTimeout = bodyTimeout
        self.idleTimeout = idleTimeout
        self.maxConnections = maxConnections
        self.maxConnectionsPerAddress = maxConnectionsPerAddress
        self.loopCount = loopCount
        self.shutdownGrace = shutdownGrace
        self.threadName = threadName
        self.heapReturnDrop = heapReturnDrop
    }
}
