/// Where a bucket is reached and how requests name it: path style
/// (`https://endpoint/bucket/key`, what MinIO, Ceph and moto want) or virtual-hosted
/// style (`https://bucket.endpoint/key`, AWS's default). Checked once when made, so
/// every request built from it is well-formed.
public struct S3Endpoint: Sendable, CustomStringConvertible {
    public let bucket: String
    public let region: String
    public let pathStyle: Bool
    /// `https` or `http`.
    public let scheme: String
    /// The endpoint's host, lower-cased, with `:port` when not the scheme's own.
    public let endpointHost: String

    /// S3's bucket names are 3 to 63 characters.
    public static let bucketNameLength = 3...63
    /// S3's keys are at most 1024 bytes of UTF-8.
    public static let maxKeyBytes = 1024

    /// - Parameters:
    ///   - endpoint: `https://host[:port]` (`http://` too, for a local test server); nil
    ///     for AWS's regional endpoint `https://s3.<region>.amazonaws.com`.
    ///   - pathStyle: the bucket in the path instead of the host name.
    public init(bucket: String, region: String, endpoint: String? = nil, pathStyle: Bool = false) throws(S3Error) {
        guard !region.isEmpty, region.utf8.allSatisfy({ Self.isNameByte($0) && $0 != UInt8(ascii: ".") }) else {
            throw .invalidRequest("s3.region \"\(region)\" is not a region name such as eu-west-1", operation: "settings")
        }
        guard Self.bucketNameLength.contains(bucket.utf8.count),
              bucket.utf8.allSatisfy(Self.isNameByte),
              let first = bucket.utf8.first, let last = bucket.utf8.last,
              first != UInt8(ascii: "-"), first != UInt8(ascii: "."), last != UInt8(ascii: "-"), last != UInt8(ascii: ".")
        else {
            throw .invalidRequest("s3.bucket \"\(bucket)\" is not a bucket name: 3 to 63 lower-case letters, digits, "
                                  + "'-' and '.', starting and ending with a letter or digit", operation: "settings")
        }
        let url = endpoint ?? "https://s3.\(region).amazonaws.com"
        let lowered = url.lowercased()
        let scheme: String
        if lowered.hasPrefix("https://") {
            scheme = "https"
        } else if lowered.hasPrefix("http://") {
            scheme = "http"
        } else {
            throw .invalidRequest("s3.endpoint \"\(url)\" does not start with https:// (or http://)", operation: "settings")
        }
        var authority = lowered.dropFirst(scheme.count + 3)
        if authority.hasSuffix("/") { authority = authority.dropLast() }
        guard !authority.isEmpty, !authority.contains(where: { "/?#@ ".contains($0) }) else {
            throw .invalidRequest("s3.endpoint \"\(url)\" is not scheme://host[:port] with no path, query or user",
                                  operation: "settings")
        }
        let defaultPort = scheme == "https" ? ":443" : ":80"
        if authority.hasSuffix(defaultPort) {
            authority = authority.dropLast(defaultPort.count)
        }
        if !pathStyle {
            guard !Self.isAddressLiteral(authority) else {
                throw .invalidRequest("s3.endpoint \"\(url)\" is an IP address, which cannot carry the bucket in its name: "
                                      + "set s3.path_style to true", operation: "settings")
            }
            // A dot in the name is one more label, which a *.s3 wildcard certificate does not cover.
            guard scheme == "http" || !bucket.contains(".") else {
                throw .invalidRequest("bucket \"\(bucket)\" has a '.', which the endpoint's wildcard certificate does "
                                      + "not cover in virtual-hosted style: set s3.path_style to true", operation: "settings")
            }
        }
        self.bucket = bucket
        self.region = region
        self.pathStyle = pathStyle
        self.scheme = scheme
        self.endpointHost = String(authority)
    }

    public var description: String { "\(scheme)://\(endpointHost)" }

    /// The request for `key` in the bucket (nil: the bucket itself), not yet signed.
    public func request(method: String, key: String?, query: [(name: String, value: String)] = [],
                        headers: [(name: String, value: String)] = []) -> S3Request {
        let keyPath = key.map { "/" + S3URIEncoding.encodePath($0) } ?? ""
        if pathStyle {
            return S3Request(method: method, scheme: scheme, host: endpointHost, path: "/\(bucket)" + keyPath,
                             query: query, headers: headers)
        }
        return S3Request(method: method, scheme: scheme, host: "\(bucket).\(endpointHost)",
                         path: keyPath.isEmpty ? "/" : keyPath, query: query, headers: headers)
    }

    /// Throws when `key` is not one S3 takes: empty, or longer than 1024 bytes.
    static func check(key: String, operation: String) throws(S3Error) {
        guard !key.isEmpty else { throw .invalidRequest("an object key is not empty", operation: operation) }
        guard key.utf8.count <= maxKeyBytes else {
            throw .invalidRequest("object key of \(key.utf8.count) bytes is longer than S3's \(maxKeyBytes)", operation: operation)
        }
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
    }

    /// `127.0.0.1`, `127.0.0.1:9000`, `[::1]:9000`.
    private static func isAddressLiteral(_ authority: Substring) -> Bool {
        if authority.hasPrefix("[") { return true }
        let host = authority.split(separator: ":", maxSplits: 1).first ?? authority
        return host.split(separator: ".", omittingEmptySubsequences: false).count == 4
            && host.allSatisfy { $0.isNumber || $0 == "." }
    }
}
