/// The limits one request may reach before the server refuses it with its own status
/// code. Defaults suit a webhook receiver: callbacks are small JSON bodies.
public struct HTTPLimits: Sendable, Equatable {
    /// Longest request target (the URI) in bytes; over it: 414.
    public var maxURIBytes: Int
    /// Largest request head (request line and all header lines) in bytes; over it: 431.
    /// The trailer section of a chunked body has the same limit.
    public var maxHeaderBytes: Int
    /// Most header fields in one request; over it: 431. Trailer fields count separately
    /// against the same number.
    public var maxHeaderCount: Int
    /// Largest decoded body in bytes; over it: 413.
    public var maxBodyBytes: Int
    /// Longest chunk-size line of a chunked body (size and extensions, without CRLF);
    /// over it: 400. Bounds what a client can make the parser hold between chunks.
    public var maxChunkLineBytes: Int
    /// How many body bytes `HTTPRequestParser.bufferedBytePrefix` keeps, so that a
    /// rejected body can be stored for the operator without holding all of it.
    public var maxRejectedBodyPrefixBytes: Int

    public init(maxURIBytes: Int = 2048, maxHeaderBytes: Int = 16 * 1024,
                maxHeaderCount: Int = 64, maxBodyBytes: Int = 1024 * 1024,
                maxChunkLineBytes: Int = 4096, maxRejectedBodyPrefixBytes: Int = 16 * 1024) {
        self.maxURIBytes = maxURIBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
        self.maxChunkLineBytes = maxChunkLineBytes
        self.maxRejectedBodyPrefixBytes = maxRejectedBodyPrefixBytes
    }
}
