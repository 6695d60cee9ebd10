import Testing
@testable import ObjectStore

@Suite("S3 endpoints and addressing")
struct S3EndpointTests {
    @Test("no endpoint means AWS's regional one, virtual-hosted: the bucket in the host name")
    func defaultEndpoint() throws {
        let endpoint = try S3Endpoint(bucket: "videos", region: "eu-west-1")
        #expect(endpoint.description == "https://s3.eu-west-1.amazonaws.com")
        let request = endpoint.request(method: "GET", key: "2026/12/07/t 1.mp4")
        #expect(request.url == "https://videos.s3.eu-west-1.amazonaws.com/2026/12/07/t%201.mp4")
        #expect(endpoint.request(method: "HEAD", key: nil).url == "https://videos.s3.eu-west-1.amazonaws.com/")
    }

    @Test("path style puts the bucket first in the path; the scheme's own port is left out of Host, others kept")
    func pathStyle() throws {
        let endpoint = try S3Endpoint(bucket: "videos", region: "us-east-1", endpoint: "HTTPS://Minio.Example:443/",
                                      pathStyle: true)
        #expect(endpoint.request(method: "GET", key: "a+b").url == "https://minio.example/videos/a%2Bb")
        let local = try S3Endpoint(bucket: "videos", region: "us-east-1", endpoint: "http://127.0.0.1:9000", pathStyle: true)
        #expect(local.request(method: "GET", key: nil, query: [("uploads", ""), ("prefix", "a/b")]).url
            == "http://127.0.0.1:9000/videos?prefix=a%2Fb&uploads")
    }

    @Test("settings that cannot work are refused with the setting to change")
    func refusals() {
        func refusal(_ make: () throws(S3Error) -> S3Endpoint) -> String? {
            do { _ = try make(); return nil } catch { return error.message }
        }
        #expect(refusal { () throws(S3Error) in try S3Endpoint(bucket: "ab", region: "us-east-1") }?.contains("s3.bucket") == true)
        #expect(refusal { () throws(S3Error) in try S3Endpoint(bucket: String(repeating: "a", count: 64), region: "us-east-1") } != nil)
        #expect(refusal { () throws(S3Error) in try S3Endpoint(bucket: String(repeating: "a", count: 63), region: "us-east-1") } == nil)
        #expect(refusal { () throws(S3Error) in try S3Endpoint(bucket: "abc", region: "us-east-1") } == nil)
        #expect(refusal { () throws(S3Error) in try S3Endpoint(bucket: "Videos", region: "us-east-1") } != nil)
        #expect(refusal { () throws(S3Error) in try S3Endpoint(bucket: "-videos", region: "us-east-1") } != nil)
        #expect(refusal { () throws(S3Error) in try S3Endpoint(bucket: "videos", region: "") }?.contains("s3.region") == true)
        #expect(refusal { () throws(S3Error) in try S3Endpoint(bucket: "videos", region: "us-east-1", endpoint: "ftp://x") }?
            .contains("s3.endpoint") == true)
        #expect(refusal { () throws(S3Error) in try S3Endpoint(bucket: "videos", region: "us-east-1", endpoint: "https://x/path") } != nil)
        #expect(refusal { () throws(S3Error) in try S3Endpoint(bucket: "videos", region: "us-east-1", endpoint: "https://u@x") } != nil)
        // Virtual-hosted style needs a name to put the bucket in, and a certificate that covers it.
        #expect(refusal { () throws(S3Error) in try S3Endpoint(bucket: "videos", region: "us-east-1", endpoint: "http://127.0.0.1:9000") }?
            .contains("s3.path_style") == true)
        #expect(refusal { () throws(S3Error) in try S3Endpoint(bucket: "my.videos", region: "us-east-1") }?
            .contains("s3.path_style") == true)
        #expect(refusal { () throws(S3Error) in try S3Endpoint(bucket: "my.videos", region: "us-east-1", pathStyle: true) } == nil)
    }

    @Test("a key is 1 to 1024 bytes of UTF-8")
    func keyLength() throws {
        #expect(throws: S3Error.self) { try S3Endpoint.check(key: "", operation: "PutObject") }
        try S3Endpoint.check(key: String(repeating: "k", count: 1024), operation: "PutObject")
        #expect(throws: S3Error.self) { try S3Endpoint.check(key: String(repeating: "k", count: 1025), operation: "PutObject") }
        // 342 three-byte characters: 1026 bytes, though only 342 characters.
        #expect(throws: S3Error.self) { try S3Endpoint.check(key: String(repeating: "日", count: 342), operation: "PutObject") }
    }

    @Test("metadata names are lower-case letters, digits and '-', values printable ASCII, 2 KiB in all")
    func metadata() throws {
        let headers = try S3Metadata.headers(["task-id": "t_1", "sha256": "ab"], operation: "PutObject")
        #expect(headers.map(\.name) == ["x-amz-meta-sha256", "x-amz-meta-task-id"])
        #expect(throws: S3Error.self) { try S3Metadata.headers(["Task": "x"], operation: "PutObject") }
        #expect(throws: S3Error.self) { try S3Metadata.headers(["a": "caf\u{e9}"], operation: "PutObject") }
        #expect(throws: S3Error.self) { try S3Metadata.headers(["a": "line\r\nbreak"], operation: "PutObject") }
        _ = try S3Metadata.headers(["a": String(repeating: "v", count: 2047)], operation: "PutObject")
        #expect(throws: S3Error.self) { try S3Metadata.headers(["a": String(repeating: "v", count: 2048)], operation: "PutObject") }
    }

    @Test("the CompleteMultipartUpload body names each part, escaped")
    func completeBody() {
        let xml = CompleteMultipartUploadBody.xml([
            S3UploadedPart(partNumber: 1, etag: "\"abc\"", size: 5, checksumSHA256: "x+/="),
            S3UploadedPart(partNumber: 2, etag: "<&>", size: 5, checksumSHA256: nil),
        ])
        #expect(xml == "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
            + "<Part><PartNumber>1</PartNumber><ETag>&quot;abc&quot;</ETag><ChecksumSHA256>x+/=</ChecksumSHA256></Part>"
            + "<Part><PartNumber>2</PartNumber><ETag>&lt;&amp;&gt;</ETag></Part></CompleteMultipartUpload>")
    }

    @Test("an XML answer becomes a tree with the text of each element, entities decoded; junk is nil")
    func xmlTree() {
        let tree = XMLElementTree.parse(Array("""
            <?xml version="1.0" encoding="UTF-8"?>
            <Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message>\
            <BucketName>a &amp; b</BucketName></Error>
            """.utf8))
        #expect(tree?.name == "Error" && tree?.text("Code") == "NoSuchBucket")
        #expect(tree?.text("BucketName") == "a & b" && tree?.text("Missing") == nil)
        #expect(XMLElementTree.parse(Array("<Error><Code>".utf8)) == nil)
        #expect(XMLElementTree.parse(Array("not xml".utf8)) == nil)
    }
}
