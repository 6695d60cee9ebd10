import HTTPClient
import TLS
import TestSupport
import Testing
import URLPolicy
@testable import ObjectStore

@Suite("S3 errors")
struct S3ErrorTests {
    private let advice = S3ErrorAdvice(bucket: "videos", endpoint: "https://s3.eu-west-1.amazonaws.com",
                                       region: "eu-west-1", accessKeyID: "AKIDEXAMPLE")

    @Test("busy and failing answers are retried soon: 5xx, SlowDown, a bad digest")
    func transient() {
        for (status, code) in [(503, "SlowDown"), (500, "InternalError"), (503, nil), (502, nil), (400, "BadDigest"),
                               (400, "RequestTimeout"), (429, nil)] as [(Int, String?)] {
            #expect(advice.classify(status: status, code: code, bucketRegion: nil).disposition == .transient, "\(status) \(code ?? "-")")
        }
    }

    @Test("credentials, permissions, buckets and clocks wait for the operator, with the setting named")
    func operatorErrors() {
        let cases: [(Int, String, String)] = [
            (403, "SignatureDoesNotMatch", "s3.secret_access_key"), (403, "InvalidAccessKeyId", "s3.access_key_id"),
            (403, "AccessDenied", "s3:PutObject"), (404, "NoSuchBucket", "s3.bucket"),
            (403, "RequestTimeTooSkewed", "clock"), (400, "ExpiredToken", "s3.session_token"),
            (301, "PermanentRedirect", "us-east-2"),
        ]
        for (status, code, named) in cases {
            let (sentence, disposition) = advice.classify(status: status, code: code, bucketRegion: "us-east-2")
            #expect(disposition == .needsOperator, "\(code)")
            #expect(sentence.contains(named), "\(code): \(sentence)")
        }
    }

    @Test("a gone upload or a malformed request fails for good")
    func failed() {
        for code in ["NoSuchUpload", "InvalidPart", "EntityTooSmall", "MalformedXML"] {
            #expect(advice.classify(status: 400, code: code, bucketRegion: nil).disposition == .failed, "\(code)")
        }
    }

    @Test("a HEAD answer, which has no body, is named by its status")
    func headCodes() {
        #expect(S3ErrorAdvice.code(forStatus: 404, operation: "HeadBucket") == "NoSuchBucket")
        #expect(S3ErrorAdvice.code(forStatus: 404, operation: "HeadObject") == "NotFound")
        #expect(S3ErrorAdvice.code(forStatus: 403, operation: "HeadObject") == "Forbidden")
    }

    @Test("no server at the endpoint is a transient failure with no status")
    func noServer() throws {
        let port = try LoopbackPort.free()
        let http = HTTPSClient(tls: try TLSClientContext(),
                               policy: URLPolicy(allowInternal: true, allowPlainHTTP: true, resolver: nil),
                               timeouts: .init(connectMilliseconds: 2000, readMilliseconds: 2000), userAgent: "t")
        let client = S3Client(endpoint: try S3Endpoint(bucket: "videos", region: "us-east-1",
                                                       endpoint: "http://127.0.0.1:\(port)", pathStyle: true),
                              credentials: S3Credentials(accessKeyID: "AKID", secretAccessKey: "secret-not-shown"), http: http)
        do {
            try client.headBucket()
            Issue.record("HeadBucket succeeded with no server")
        } catch {
            #expect(error.status == nil && error.code == nil && error.disposition == .transient)
            #expect(error.operation == "HeadBucket" && !"\(error)".contains("secret-not-shown"))
        }
    }

    @Test("an endpoint the URL policy refuses fails for good, before anything is sent")
    func refusedEndpoint() throws {
        let http = HTTPSClient(tls: try TLSClientContext(), policy: URLPolicy(resolver: nil),
                               timeouts: .init(connectMilliseconds: 2000, readMilliseconds: 2000), userAgent: "t")
        let client = S3Client(endpoint: try S3Endpoint(bucket: "videos", region: "us-east-1",
                                                       endpoint: "http://127.0.0.1:9", pathStyle: true),
                              credentials: S3Credentials(accessKeyID: "AKID", secretAccessKey: "s"), http: http)
        do {
            try client.headBucket()
            Issue.record("HeadBucket succeeded past the policy")
        } catch {
            #expect(error.disposition == .failed && error.message.contains("URL policy"))
        }
    }
}
