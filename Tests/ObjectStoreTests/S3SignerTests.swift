import Testing
@testable import ObjectStore

/// The signer against the worked examples of AWS's S3 Signature Version 4 documentation
/// ("Examples: Signature Calculations", "Authenticating Requests: Using Query
/// Parameters"), whose signatures are printed there, and its parts one by one.
@Suite("S3 Signature Version 4")
struct S3SignerTests {
    /// The documentation's key pair and day, 2013-05-24T00:00:00Z.
    private let signer = S3Signer(credentials: S3Credentials(accessKeyID: "AKIAIOSFODNN7EXAMPLE",
                                                             secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
                                  region: "us-east-1")
    private let documentedTime = AmzTimestamp(secondsSince1970: 1_369_353_600)

    private func examplebucket() throws -> S3Endpoint {
        try S3Endpoint(bucket: "examplebucket", region: "us-east-1", endpoint: "https://s3.amazonaws.com")
    }

    private func authorization(_ headers: [(name: String, value: String)]) -> String? {
        headers.first { $0.name == "Authorization" }?.value
    }

    @Test("the documented GET object example (Range: bytes=0-9) gives the documented signature")
    func documentedGetObject() throws {
        let request = try examplebucket().request(method: "GET", key: "test.txt", headers: [("Range", "bytes=0-9")])
        #expect(request.url == "https://examplebucket.s3.amazonaws.com/test.txt")
        let headers = signer.sign(request, payload: .empty, at: documentedTime)
        #expect(authorization(headers) == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        #expect(headers.first { $0.name == "x-amz-date" }?.value == "20130524T000000Z")
        #expect(headers.first { $0.name == "x-amz-content-sha256" }?.value
            == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(!headers.contains { $0.name == "x-amz-security-token" })
    }

    @Test("the documented GET bucket lifecycle and list objects examples give their signatures")
    func documentedBucketQueries() throws {
        let lifecycle = try examplebucket().request(method: "GET", key: nil, query: [("lifecycle", "")])
        #expect(lifecycle.url == "https://examplebucket.s3.amazonaws.com/?lifecycle")
        #expect(authorization(signer.sign(lifecycle, payload: .empty, at: documentedTime))?
            .hasSuffix("Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543") == true)
        // Given out of order: the canonical query sorts them.
        let list = try examplebucket().request(method: "GET", key: nil, query: [("prefix", "J"), ("max-keys", "2")])
        #expect(list.canonicalQuery == "max-keys=2&prefix=J")
        #expect(authorization(signer.sign(list, payload: .empty, at: documentedTime))?
            .hasSuffix("Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7") == true)
    }

    @Test("the documented presigned URL (a day long) carries the documented signature")
    func documentedPresignedURL() throws {
        let url = try signer.presignedURL(try examplebucket().request(method: "GET", key: "test.txt"),
                                          expiresIn: 86_400, at: documentedTime)
        #expect(url == "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            + "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
            + "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
            + "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
    }

    @Test("a presigned URL lives 1 s to 7 days: 0 and 604801 are refused, both ends taken")
    func presignExpiryLimits() throws {
        let request = try examplebucket().request(method: "GET", key: "test.txt")
        for seconds in [0, -1, S3Signer.maxPresignedSeconds + 1] {
            #expect(throws: S3Error.self) { try signer.presignedURL(request, expiresIn: seconds, at: documentedTime) }
        }
        for seconds in [1, S3Signer.maxPresignedSeconds] {
            #expect(try signer.presignedURL(request, expiresIn: seconds, at: documentedTime)
                .contains("X-Amz-Expires=\(seconds)&"))
        }
    }

    @Test("the signing key depends on the day and the region, not the time of day")
    func signingKey() {
        let key = signer.signingKey(at: documentedTime)
        #expect(key.count == 32)
        #expect(key == signer.signingKey(at: AmzTimestamp(secondsSince1970: 1_369_353_600 + 86_399)))
        #expect(key != signer.signingKey(at: AmzTimestamp(secondsSince1970: 1_369_353_600 + 86_400)))
        #expect(key != S3Signer(credentials: signer.credentials, region: "eu-west-1").signingKey(at: documentedTime))
    }

    @Test("a session token is sent and signed as x-amz-security-token")
    func sessionToken() throws {
        let withToken = S3Signer(credentials: S3Credentials(accessKeyID: "AKID", secretAccessKey: "secret",
                                                            sessionToken: "token/with+odd=chars"), region: "us-east-1")
        let headers = withToken.sign(try examplebucket().request(method: "GET", key: "a"), payload: .empty, at: documentedTime)
        #expect(headers.first { $0.name == "x-amz-security-token" }?.value == "token/with+odd=chars")
        #expect(authorization(headers)?.contains("SignedHeaders=host;x-amz-content-sha256;x-amz-date;x-amz-security-token,") == true)
    }

    @Test("canonical headers: names lower-cased and sorted, values trimmed, runs of spaces one, repeats joined")
    func canonicalHeaders() {
        let headers = CanonicalHeaders(host: "b.s3.test", fields: [
            ("X-Amz-Meta-B", "  two   words\there "), ("Content-Type", "text/plain"), ("x-amz-meta-b", "second"),
            ("Host", "ignored.example"),
        ])
        #expect(headers.canonicalBlock == "content-type:text/plain\nhost:b.s3.test\nx-amz-meta-b:two words here,second\n")
        #expect(headers.signedHeaders == "content-type;host;x-amz-meta-b")
    }

    @Test("UNSIGNED-PAYLOAD is what the header says when the body is left out")
    func unsignedPayload() throws {
        let headers = signer.sign(try examplebucket().request(method: "PUT", key: "a"), payload: .unsigned, at: documentedTime)
        #expect(headers.first { $0.name == "x-amz-content-sha256" }?.value == "UNSIGNED-PAYLOAD")
        #expect(S3Payload.of(Array("abc".utf8)) == .sha256Hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"))
    }
}

@Suite("S3 encoding and time")
struct S3EncodingTests {
    @Test("a path keeps unreserved bytes and '/', and encodes the rest of UTF-8 once, in upper-case hex")
    func pathEncoding() {
        #expect(S3URIEncoding.encodePath("a b+c~d%e/f=g&h") == "a%20b%2Bc~d%25e/f%3Dg%26h")
        #expect(S3URIEncoding.encodePath("vidéo/日本.mp4") == "vid%C3%A9o/%E6%97%A5%E6%9C%AC.mp4")
        #expect(S3URIEncoding.encodePath("AZaz09-._~") == "AZaz09-._~")
        // Already encoded text is encoded again: the key is raw, never pre-encoded.
        #expect(S3URIEncoding.encodePath("%20") == "%2520")
    }

    @Test("a query component encodes '/' too")
    func queryEncoding() {
        #expect(S3URIEncoding.encodeQueryComponent("a/b c") == "a%2Fb%20c")
    }

    @Test("Unix seconds become x-amz-date and the scope's date in UTC, across days, leap days and years")
    func timestamps() {
        #expect(AmzTimestamp(secondsSince1970: 0).dateTime == "19700101T000000Z")
        #expect(AmzTimestamp(secondsSince1970: 1_369_353_600).dateTime == "20130524T000000Z")
        #expect(AmzTimestamp(secondsSince1970: 951_782_399).dateTime == "20000228T235959Z")
        #expect(AmzTimestamp(secondsSince1970: 951_782_400).date == "20000229")
        #expect(AmzTimestamp(secondsSince1970: 1_798_761_599).dateTime == "20261231T235959Z")
        #expect(AmzTimestamp(secondsSince1970: 1_798_761_600).dateTime == "20270101T000000Z")
        #expect(AmzTimestamp(secondsSince1970: 4_107_542_400).date == "21000301")
    }

    @Test("credentials describe themselves without the secret or the token")
    func credentialsRedacted() {
        let credentials = S3Credentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "very-secret-key", sessionToken: "tok-123456")
        let text = "\(credentials)"
        #expect(text.contains("AKIDEXAMPLE") && !text.contains("very-secret-key") && !text.contains("tok-123456"))
        #expect(credentials.redacting("x very-secret-key y tok-123456") == "x <redacted> y <redacted>")
    }
}
