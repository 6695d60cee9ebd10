/// Sends one request to the video API and reads the whole answer. The real one runs on
/// the downloader's HTTPS client (the project's own sockets, TLS and response parser);
/// tests put a scripted one here to drive the client and the reconciler without a
/// network.
public protocol APITransport: Sendable {
    func send(_ request: APIRequest) throws(APITransportError) -> APIResponse
}

/// Why no answer came back.
public struct APITransportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, for a person: "cannot connect to api.example.com:443: timed out".
    public var reason: String
    /// False only when the failure came before any byte of the request left (a name that
    /// does not resolve, a refused connection, a failed TLS handshake): then even a
    /// `POST` may be sent again without risking a second task.
    public var requestMayHaveBeenSent: Bool

    public init(_ reason: String, requestMayHaveBeenSent: Bool) {
        self.reason = reason
        self.requestMayHaveBeenSent = requestMayHaveBeenSent
    }

    public var description: String { reason }
}
