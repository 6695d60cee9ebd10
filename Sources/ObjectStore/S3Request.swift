/// One request to the object store before it is signed: where it goes and what it says.
/// The path is already encoded (``S3URIEncoding``), as it will be sent and signed; the
/// query is kept raw and encoded once, the same way for the URL and the signature.
public struct S3Request: Sendable {
    public var method: String
    /// `https` or `http`.
    public var scheme: String
    /// The `Host` header exactly as the client sends it: lower-case, with `:port` only
    /// when the port is not the scheme's own.
    public var host: String
    /// The encoded path, starting with `/`.
    public var path: String
    /// Raw names and values; a name with an empty value (`uploads`) is sent bare.
    public var query: [(name: String, value: String)]
    /// Fields to send and sign besides `host` and the `x-amz-*` fields the signer adds
    /// (metadata, checksum, storage class, content type).
    public var headers: [(name: String, value: String)]

    public init(method: String, scheme: String, host: String, path: String,
                query: [(name: String, value: String)] = [], headers: [(name: String, value: String)] = []) {
        self.method = method
        self.scheme = scheme
        self.host = host
        self.path = path
        self.query = query
        self.headers = headers
    }

    /// The query as signed: each name and value encoded, sorted by name then value,
    /// `name=value` joined with `&` (`uploads=` for a bare name).
    public var canonicalQuery: String {
        encodedQuery.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
    }

    /// The query as sent: the same pairs in the same order, a bare name without `=`.
    var sentQuery: String {
        encodedQuery.map { $0.value.isEmpty ? $0.name : "\($0.name)=\($0.value)" }.joined(separator: "&")
    }

    private var encodedQuery: [(name: String, value: String)] {
        query.map { (S3URIEncoding.encodeQueryComponent($0.name), S3URIEncoding.encodeQueryComponent($0.value)) }
            .sorted { $0.0 == $1.0 ? $0.1 < $1.1 : $0.0 < $1.0 }
    }

    /// `scheme://host/path?query`.
    public var url: String {
        let query = sentQuery
        return "\(scheme)://\(host)\(path)" + (query.isEmpty ? "" : "?" + query)
    }
}
