/// How a response body ends.
public enum HTTPResponseFraming: Sendable, Equatable {
    /// No body (HEAD, 1xx, 204, 304).
    case none
    /// Exactly this many bytes.
    case length(Int64)
    /// Chunked transfer coding (RFC 9112 §7.1).
    case chunked
    /// Everything until the server closes the connection.
    case untilClose
}
