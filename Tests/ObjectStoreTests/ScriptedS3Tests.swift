import Foundation
import HTTPClient
import Hashing
import TLS
import TestSupport
import Testing
import URLPolicy
@testable import ObjectStore

/// Answers moto never gives, from a scripted HTTPS server (the fake video API's, with the
/// tests' CA): a CompleteMultipartUpload that says 200 and fails in its body, SlowDown,
/// a bucket in another region, a list whose marker does not move on, an answer that is
/// not XML. Over TLS, so the client's https path is exercised too.
@Suite("S3 client against scripted answers")
struct ScriptedS3Tests {
    private func client(_ server: FakeVideoAPI) throws -> S3Client {
        let http = HTTPSClient(tls: try TLSClientContext(extraCAFile: server.certificates.caFile),
                               policy: URLPolicy(allowInternal: true, resolver: nil),
                               timeouts: .init(connectMilliseconds: 2000, readMilliseconds: 10_000), userAgent: "t")
        return S3Client(endpoint: try S3Endpoint(bucket: "videos", region: "us-east-1", endpoint: server.baseURL, pathStyle: true),
                        credentials: S3Credentials(accessKeyID: "AKIDSCRIPTED", secretAccessKey: "scripted-secret-key"),
                        http: http, clock: { AmzTimestamp(secondsSince1970: 1_796_000_000) })
    }

    private func error(_ body: () throws -> Void) -> S3Error? {
        do { try body() } catch let error as S3Error { return error } catch { Issue.record("\(error)") }
        return nil
    }

    @Test("CompleteMultipartUpload answered 200 with an Error body fails, retryable; the request is signed over its body")
    func completeFailsInBody() throws {
        let server = try FakeVideoAPI()
        defer { server.removeFiles() }
        server.script(["POST /videos/k.mp4": [FakeResponse(status: 200, headers: ["x-amz-request-id": "REQ1"], text: """
            <?xml version="1.0" encoding="UTF-8"?>
            <Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message></Error>
            """)]])
        let parts = [S3UploadedPart(partNumber: 2, etag: "\"b\"", size: 1, checksumSHA256: "Yg=="),
                     S3UploadedPart(partNumber: 1, etag: "\"a\"", size: 5, checksumSHA256: "YQ==")]
        let failure = try #require(error { try client(server).completeMultipartUpload(key: "k.mp4", uploadID: "u1", parts: parts) })
        #expect(failure.status == 200 && failure.code == "InternalError" && failure.disposition == .transient)
        #expect(failure.requestID == "REQ1")
        let sent = try #require(server.requests("POST /videos/k.mp4").first)
        #expect(sent.path == "/videos/k.mp4?uploadId=u1")
        // Parts in order, whatever order they were given in.
        #expect(sent.body == CompleteMultipartUploadBody.xml(parts.reversed()))
        let digest = SHA256Digest()
        digest.update(Array(sent.body.utf8))
        #expect(sent.headers["x-amz-content-sha256"] == digest.finishHex())
        #expect(sent.headers["authorization"]?.hasPrefix("AWS4-HMAC-SHA256 Credential=AKIDSCRIPTED/20261130/us-east-1/s3/aws4_request") == true)
        #expect(sent.headers["x-amz-date"] == "20261130T005320Z")
        #expect(sent.headers["content-type"] == "application/xml")
    }

    @Test("SlowDown is retried soon; a bucket in another region names the region to set")
    func slowDownAndRegion() throws {
        let server = try FakeVideoAPI()
        defer { server.removeFiles() }
        server.script([
            "POST /videos/k.mp4": [FakeResponse(status: 503, text: "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>")],
            "GET /videos": [FakeResponse(status: 301, headers: ["x-amz-bucket-region": "eu-west-1"],
                                         text: "<Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting to access must be addressed using the specified endpoint.</Message></Error>")],
        ])
        let slow = try #require(error { _ = try client(server).createMultipartUpload(key: "k.mp4") })
        #expect(slow.status == 503 && slow.code == "SlowDown" && slow.disposition == .transient)
        let moved = try #require(error { _ = try client(server).listMultipartUploads(prefix: "p/") })
        #expect(moved.code == "PermanentRedirect" && moved.disposition == .needsOperator)
        #expect(moved.advice.contains("set s3.region to eu-west-1"))
    }

    @Test("a truncated part list whose marker does not move on fails instead of paging forever")
    func stuckMarker() throws {
        let server = try FakeVideoAPI()
        defer { server.removeFiles() }
        let page = """
            <ListPartsResult><IsTruncated>true</IsTruncated><NextPartNumberMarker>1</NextPartNumberMarker>\
            <Part><PartNumber>1</PartNumber><ETag>"a"</ETag><Size>5</Size></Part></ListPartsResult>
            """
        server.script(["GET /videos/k.mp4": [FakeResponse(status: 200, text: page)]])
        let stuck = try #require(error { _ = try client(server).listParts(key: "k.mp4", uploadID: "u1") })
        #expect(stuck.message.contains("does not move on"))
        #expect(server.requests("GET /videos/k.mp4").count == 2)
    }

    @Test("a 2xx answer that is not XML, or lacks what the operation needs, is an error, not a guess")
    func unreadableAnswers() throws {
        let server = try FakeVideoAPI()
        defer { server.removeFiles() }
        server.script(["POST /videos/k.mp4": [FakeResponse(status: 200, text: "<html>proxy login</html"),
                                              FakeResponse(status: 200, text: "<InitiateMultipartUploadResult/>")]])
        let notXML = try #require(error { _ = try client(server).createMultipartUpload(key: "k.mp4") })
        #expect(notXML.message.contains("not XML") && notXML.disposition == .transient)
        let noID = try #require(error { _ = try client(server).createMultipartUpload(key: "k.mp4") })
        #expect(noID.message.contains("UploadId"))
    }
}
