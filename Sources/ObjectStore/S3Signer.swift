import Hashing

/// AWS Signature Version 4 for S3, written out step by step as the S3 documentation
/// gives it ("Authenticating Requests: Using the Authorization Header" and "Using Query
/// Parameters"), so that each step can be compared with botocore's. It reads no clock:
/// the time comes with each call.
public struct S3Signer: Sendable {
    public static let algorithm = "AWS4-HMAC-SHA256"
    /// A presigned URL lives at most seven days (S3's own limit).
    public static let maxPresignedSeconds = 604_800

    public let credentials: S3Credentials
    public let region: String
    public let service = "s3"

    public init(credentials: S3Credentials, region: String) {
        self.credentials = credentials
        self.region = region
    }

    /// The fields to add to the request for header authentication: `x-amz-date`,
    /// `x-amz-content-sha256`, `x-amz-security-token` with a session token, and
    /// `Authorization`.
    public func sign(_ request: S3Request, payload: S3Payload, at time: AmzTimestamp) -> [(name: String, value: String)] {
        var added: [(name: String, value: String)] = [
            ("x-amz-date", time.dateTime),
            ("x-amz-content-sha256", payload.headerValue),
        ]
        if let token = credentials.sessionToken { added.append(("x-amz-security-token", token)) }
        let headers = CanonicalHeaders(host: request.host, fields: request.headers + added)
        let canonical = canonicalRequest(method: request.method, path: request.path, query: request.canonicalQuery,
                                         headers: headers, payloadHash: payload.headerValue)
        let signature = self.signature(stringToSign: stringToSign(canonicalRequest: canonical, at: time), at: time)
        added.append(("Authorization", "\(Self.algorithm) Credential=\(credentials.accessKeyID)/\(scope(at: time)), "
                      + "SignedHeaders=\(headers.signedHeaders), Signature=\(signature)"))
        return added
    }

    /// A URL that lets whoever holds it `GET` the object until `expiresIn` seconds after
    /// `time`, with the signature in the query (`X-Amz-Signature`) and only `host`
    /// signed. `request` has no query of its own besides what the URL should carry
    /// (such as `response-content-type`).
    public func presignedURL(_ request: S3Request, expiresIn seconds: Int, at time: AmzTimestamp) throws(S3Error) -> String {
        guard (1...Self.maxPresignedSeconds).contains(seconds) else {
            throw S3Error.invalidRequest("a presigned URL lives from 1 s to \(Self.maxPresignedSeconds) s (7 days), not \(seconds) s")
        }
        var signed = request
        signed.query += [
            ("X-Amz-Algorithm", Self.algorithm),
            ("X-Amz-Credential", "\(credentials.accessKeyID)/\(scope(at: time))"),
            ("X-Amz-Date", time.dateTime),
            ("X-Amz-Expires", String(seconds)),
            ("X-Amz-SignedHeaders", CanonicalHeaders(host: request.host, fields: request.headers).signedHeaders),
        ]
        if let token = credentials.sessionToken { signed.query.append(("X-Amz-Security-Token", token)) }
        let headers = CanonicalHeaders(host: request.host, fields: request.headers)
        let canonical = canonicalRequest(method: signed.method, path: signed.path, query: signed.canonicalQuery,
                                         headers: headers, payloadHash: S3Payload.unsigned.headerValue)
        let signature = self.signature(stringToSign: stringToSign(canonicalRequest: canonical, at: time), at: time)
        return signed.url + "&X-Amz-Signature=" + signature
    }

    // MARK: The steps

    /// `<date>/<region>/s3/aws4_request`.
    public func scope(at time: AmzTimestamp) -> String {
        "\(time.date)/\(region)/\(service)/aws4_request"
    }

    /// Method, path, query, headers (each line `name:value`, then a blank line), the
    /// signed header names, the payload hash; joined by newlines.
    func canonicalRequest(method: String, path: String, query: String, headers: CanonicalHeaders,
                          payloadHash: String) -> String {
        [method, path, query, headers.canonicalBlock, headers.signedHeaders, payloadHash].joined(separator: "\n")
    }

    func stringToSign(canonicalRequest: String, at time: AmzTimestamp) -> String {
        let digest = SHA256Digest()
        digest.update(Array(canonicalRequest.utf8))
        return [Self.algorithm, time.dateTime, scope(at: time), digest.finishHex()].joined(separator: "\n")
    }

    /// `HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), "s3"), "aws4_request")`.
    func signingKey(at time: AmzTimestamp) -> [UInt8] {
        var key = Array(("AWS4" + credentials.secretAccessKey).utf8)
        for part in [time.date, region, service, "aws4_request"] {
            key = HMACSHA256.authenticationCode(key: key, message: Array(part.utf8))
        }
        return key
    }

    func signature(stringToSign: String, at time: AmzTimestamp) -> String {
        SHA256Digest.hex(HMACSHA256.authenticationCode(key: signingKey(at: time), message: Array(stringToSign.utf8)))
    }
}
