import HTTP

/// One request to the video API, as a transport sends it.
public struct APIRequest: Sendable {
    /// `GET` or `POST`.
    public var method: String
    /// The absolute `https` URL.
    public var url: String
    /// Everything but `Host`, `Content-Length` and `Connection`, which the transport sets.
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// The longest answer body read; a longer one is an error, not a truncation.
    public var maxResponseBytes: Int
    /// The longest the whole exchange may take, connect to last byte.
    public var timeout: Duration

    public init(method: String, url: String, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = [],
                maxResponseBytes: Int, timeout: Duration) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.maxResponseBytes = maxResponseBytes
        self.timeout = timeout
    }
}
