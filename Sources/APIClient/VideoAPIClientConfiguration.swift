/// What the client needs: where the API is, the key, and the limits of one call.
public struct VideoAPIClientConfiguration: Sendable {
    /// `api.base_url`, e.g. `https://ai.odkkk.com/apiv1`.
    public var baseURL: String
    public var key: BearerKey
    public var retry: APIRetryPolicy
    /// Longest one exchange may take, connect to last byte.
    public var timeout: Duration
    /// Longest answer read. A task object is a few KiB; past this the answer is refused.
    public var maxResponseBytes: Int
    public var userAgent: String

    public init(baseURL: String, key: BearerKey, retry: APIRetryPolicy = APIRetryPolicy(),
                timeout: Duration = .seconds(30), maxResponseBytes: Int = 1 << 20,
                userAgent: String = "videohookd/1.0") {
        self.baseURL = baseURL
        self.key = key
        self.retry = retry
        self.timeout = timeout
        self.maxResponseBytes = maxResponseBytes
        self.userAgent = userAgent
    }
}
