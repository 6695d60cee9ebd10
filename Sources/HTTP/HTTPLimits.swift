/// The limits one request may reach before the server refuses it with its own status
/// code. Defaults suit a webhook receiver: callbacks are small JSON bodies.
public struct HTTPLimits: Sendable, Equatable {
    /// Longest request target (the URI) in bytes; over it: 414.
    public var maxURIBytes: Int
    /// Largest request head (request line and all header lines) in bytes; over it: 431.
    public var maxHeaderBytes: Int
    /// Most header fields in one request; over it: 431.
    public var maxHeaderCount: Int
    /// Largest decoded body in bytes; over it: 413.
    public var maxBodyBytes: Int

    public init(maxURIBytes: Int = 2048, maxHeaderBytes: Int = 16 * 1024,
                maxHeaderCount: Int = 64, maxBodyBytes: Int = 1024 * 1024) {
        self.maxURIBytes = maxURIBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
    }
}
