import Foundation
import Glibc
import HTTPClient
import Hashing
import TLS
import TestSupport
import Testing
import URLPolicy
@testable import ObjectStore

/// The client against a real S3 implementation: moto's server on loopback, which checks
/// every Signature V4 with the IAM user's key that ``MotoS3Server`` made. Each test uses
/// its own keys (or bucket), so they share one server.
///
/// Presigned URLs are not tried here: moto 5.2 with IAM checks on answers 500 to every
/// query-string signed request (its check reads the Authorization header, which such a
/// request has none of), boto3's own presigned URLs included. They are compared with
/// botocore's and AWS's documented example instead.
@Suite("S3 client against moto")
struct MotoS3Tests {
    static let bucket = "videohookd-archive"
    static let versionedBucket = "videohookd-versioned"
    private static let started: Result<MotoS3Server, any Error> = Result {
        let server = try MotoS3Server(buckets: [bucket, versionedBucket])
        _ = try server.boto3(#"s3.put_bucket_versioning(Bucket=argv[1], VersioningConfiguration={"Status": "Enabled"})"#,
                             arguments: [versionedBucket])
        return server
    }
    private static func server() throws -> MotoS3Server { try started.get() }

    /// The operator's own endpoint on loopback over plain http: what the policy must allow.
    private static let policy = URLPolicy(allowInternal: true, allowPlainHTTP: true, resolver: FixedHostResolver(addresses: [
        "\(bucket).s3.test": [IPAddress(127, 0, 0, 1)], "s3.test": [IPAddress(127, 0, 0, 1)],
    ]))

    private func client(bucket: String = MotoS3Tests.bucket, secret: String? = nil, accessKeyID: String? = nil,
                        pathStyle: Bool = true, maxResponseBytes: Int = 4 << 20) throws -> S3Client {
        let server = try Self.server()
        let http = HTTPSClient(tls: try TLSClientContext(), policy: Self.policy,
                               timeouts: .init(connectMilliseconds: 2000, readMilliseconds: 30_000),
                               userAgent: "videohookd-test")
        let endpoint = try S3Endpoint(bucket: bucket, region: server.region,
                                      endpoint: pathStyle ? server.endpoint : "http://s3.test:\(server.port)",
                                      pathStyle: pathStyle)
        let credentials = S3Credentials(accessKeyID: accessKeyID ?? server.accessKeyID,
                                        secretAccessKey: secret ?? server.secretAccessKey)
        return S3Client(endpoint: endpoint, credentials: credentials, http: http, maxResponseBytes: maxResponseBytes)
    }

    /// A file of `size` pseudo-random bytes (a fixed seed: the same bytes every run).
    private func file(size: Int, in folder: TemporaryDirectory, name: String = "video.mp4") throws -> (path: String, bytes: [UInt8]) {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var bytes = [UInt8](repeating: 0, count: size)
        for index in 0..<size {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            bytes[index] = UInt8(truncatingIfNeeded: state >> 33)
        }
        let path = folder.file(name)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return (path, bytes)
    }

    private func open(_ path: String) throws -> Int32 {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw DaemonError("open \(path): \(String(cString: strerror(errno)))") }
        return fd
    }

    /// The object's bytes as boto3 reads them, through a file.
    private func download(_ key: String, into folder: TemporaryDirectory) throws -> [UInt8] {
        let target = folder.file("downloaded-\(UUID().uuidString)")
        _ = try Self.server().boto3("s3.download_file(argv[1], argv[2], argv[3])", arguments: [Self.bucket, key, target])
        return Array(try Data(contentsOf: URL(fileURLWithPath: target)))
    }

    private func s3Error(_ body: () throws -> Void) -> S3Error? {
        do {
            try body()
            return nil
        } catch let error as S3Error {
            return error
        } catch {
            Issue.record("not an S3Error: \(error)")
            return nil
        }
    }

    @Test("HeadBucket passes for the bucket; a missing one is NoSuchBucket, for the operator to fix")
    func headBucket() throws {
        try client().headBucket()
        let error = try #require(s3Error { try client(bucket: "no-such-bucket-here").headBucket() })
        #expect(error.status == 404 && error.code == "NoSuchBucket")
        #expect(error.disposition == .needsOperator && error.isRetryable)
        #expect(error.advice.contains("no-such-bucket-here") && error.advice.contains("s3.bucket"))
        // A body-bearing request gets moto's own error document.
        let put = try #require(s3Error { try client(bucket: "no-such-bucket-here").putObject(key: "a", body: [1]) })
        #expect(put.code == "NoSuchBucket" && put.operation == "PutObject")
    }

    @Test("a small PutObject and its HeadObject: size, ETag, content type and metadata")
    func putAndHead() throws {
        let body = Array(#"{"task_id":"cgt-1","sha256":"ab"}"#.utf8)
        let sha = String(repeating: "ab", count: 32)
        let put = try client().putObject(key: "2026/12/07/cgt-1.json", body: body, contentType: "application/json",
                                         metadata: ["sha256": sha, "task-id": "cgt-1"])
        let info = try client().headObject(key: "2026/12/07/cgt-1.json")
        #expect(info.size == Int64(body.count))
        #expect(info.etag == put.etag && info.etag.hasPrefix("\""))
        #expect(info.metadata == ["sha256": sha, "task-id": "cgt-1"])
        #expect(info.contentType == "application/json")
        let missing = try #require(s3Error { _ = try client().headObject(key: "2026/12/07/none.json") })
        #expect(missing.status == 404 && missing.code == "NotFound" && missing.disposition == .failed)
    }

    @Test("in a versioned bucket PutObject and HeadObject name the same version, a new one for each put")
    func versions() throws {
        let s3 = try client(bucket: Self.versionedBucket)
        let first = try s3.putObject(key: "v.json", body: Array("1".utf8))
        let second = try s3.putObject(key: "v.json", body: Array("22".utf8))
        let info = try s3.headObject(key: "v.json")
        #expect(first.versionID != nil && second.versionID != nil && first.versionID != second.versionID)
        #expect(info.versionID == second.versionID && info.size == 2)
        #expect(try client().putObject(key: "unversioned.json", body: [1]).versionID == nil)
    }

    @Test("keys with spaces, '+', '~', '%', '=', '&' and non-ASCII round-trip, as boto3 sees them")
    func oddKeysRoundTrip() throws {
        let folder = TemporaryDirectory()
        let keys = ["odd/with space+plus~tilde.json", "odd/été 日本語 ✓.json", "odd/eq=amp&pct%25%.json", "odd/a//b/"]
        for (index, key) in keys.enumerated() {
            let body = Array("body \(index)".utf8)
            try client().putObject(key: key, body: body)
            #expect(try client().headObject(key: key).size == Int64(body.count), "\(key)")
            #expect(try download(key, into: folder) == body, "\(key)")
        }
        let listed = try Self.server().boto3("""
            from json import dumps
            print(dumps(sorted(o["Key"] for o in s3.list_objects_v2(Bucket=argv[1], Prefix="odd/")["Contents"])))
            """, arguments: [Self.bucket])
        #expect(try JSONDecoder().decode([String].self, from: Data(listed.utf8)) == keys.sorted())
    }

    @Test("virtual-hosted style: the bucket in the host name, signed as such")
    func virtualHosted() throws {
        let virtual = try client(pathStyle: false)
        try virtual.headBucket()
        try virtual.putObject(key: "vhost/one two.txt", body: Array("hello".utf8), metadata: ["task-id": "v"])
        #expect(try client().headObject(key: "vhost/one two.txt").metadata["task-id"] == "v")
    }

    @Test("PutObject from a file range sends exactly that range")
    func putFromFile() throws {
        let folder = TemporaryDirectory()
        let (path, bytes) = try file(size: 300_001, in: folder)
        let fd = try open(path)
        defer { close(fd) }
        try client().putObject(key: "ranges/part.bin", file: FileRangeBody(fd: fd, offset: 1000, length: 200_000),
                               contentType: "video/mp4")
        #expect(try download("ranges/part.bin", into: folder) == Array(bytes[1000..<201_000]))
        #expect(try client().headObject(key: "ranges/part.bin").contentType == "video/mp4")
    }

    @Test("a multipart upload of three parts (5 MiB, 5 MiB, the rest) reads back byte for byte with its metadata")
    func multipart() throws {
        let folder = TemporaryDirectory()
        let partSize = 5 << 20
        let (path, bytes) = try file(size: 2 * partSize + 123_457, in: folder)
        let fd = try open(path)
        defer { close(fd) }
        let s3 = try client()
        let key = "2026/12/07/cgt-multi.mp4"
        let uploadID = try s3.createMultipartUpload(key: key, contentType: "video/mp4",
                                                   metadata: ["sha256": "cafe", "task-id": "cgt-multi"],
                                                   storageClass: "STANDARD_IA")
        var parts: [S3UploadedPart] = []
        for number in 1...3 {
            let offset = Int64((number - 1) * partSize)
            let length = min(Int64(partSize), Int64(bytes.count) - offset)
            parts.append(try s3.uploadPart(key: key, uploadID: uploadID, partNumber: number,
                                           file: FileRangeBody(fd: fd, offset: offset, length: length)))
        }
        #expect(parts.map(\.size) == [Int64(partSize), Int64(partSize), 123_457])
        let done = try s3.completeMultipartUpload(key: key, uploadID: uploadID, parts: parts)
        #expect(done.etag.hasSuffix("-3\""))
        let info = try s3.headObject(key: key)
        #expect(info.size == Int64(bytes.count) && info.etag == done.etag)
        #expect(info.metadata == ["sha256": "cafe", "task-id": "cgt-multi"])
        #expect(info.storageClass == "STANDARD_IA")
        #expect(try download(key, into: folder) == bytes)
    }

    @Test("CopyObject onto itself replaces the metadata of a multipart object and keeps its bytes and type")
    func copyReplacesMetadata() throws {
        let folder = TemporaryDirectory()
        let partSize = 5 << 20
        let (path, bytes) = try file(size: partSize + 4321, in: folder)
        let fd = try open(path)
        defer { close(fd) }
        let s3 = try client()
        let key = "copy/cgt-copy.mp4"
        let uploadID = try s3.createMultipartUpload(key: key, contentType: "video/mp4", metadata: ["task-id": "cgt-copy"])
        let parts = [
            try s3.uploadPart(key: key, uploadID: uploadID, partNumber: 1,
                              file: FileRangeBody(fd: fd, offset: 0, length: Int64(partSize))),
            try s3.uploadPart(key: key, uploadID: uploadID, partNumber: 2,
                              file: FileRangeBody(fd: fd, offset: Int64(partSize), length: 4321)),
        ]
        try s3.completeMultipartUpload(key: key, uploadID: uploadID, parts: parts)
        #expect(try s3.headObject(key: key).metadata == ["task-id": "cgt-copy"])
        let sha = String(repeating: "0f", count: 32)
        let copied = try s3.copyObject(key: key, replacingMetadata: ["task-id": "cgt-copy", "sha256": sha],
                                       contentType: "video/mp4")
        let info = try s3.headObject(key: key)
        #expect(info.metadata == ["task-id": "cgt-copy", "sha256": sha])
        #expect(info.contentType == "video/mp4" && info.size == Int64(bytes.count))
        #expect(!copied.etag.isEmpty && info.etag == copied.etag)
        // The service's own digest of the whole object, as our SHA-256 gives it.
        let digest = SHA256Digest()
        digest.update(bytes)
        #expect(copied.checksumSHA256 == Data(digest.finish()).base64EncodedString())
        #expect(try download(key, into: folder) == bytes)
        // A missing source is the service's error, not a silent success.
        let missing = try #require(s3Error { _ = try s3.copyObject(key: "copy/none.mp4", replacingMetadata: [:]) })
        #expect(missing.operation == "CopyObject" && missing.status == 404)
    }

    @Test("after an interrupted upload ListParts gives back the finished parts, page by page, and the upload resumes")
    func resumeFromListParts() throws {
        let folder = TemporaryDirectory()
        let partSize = 5 << 20
        let (path, bytes) = try file(size: 2 * partSize + 10, in: folder)
        let fd = try open(path)
        defer { close(fd) }
        let key = "resume/cgt-resume.mp4"
        let uploadID = try client().createMultipartUpload(key: key, metadata: ["task-id": "cgt-resume"])
        let first = try client().uploadPart(key: key, uploadID: uploadID, partNumber: 1,
                                            file: FileRangeBody(fd: fd, offset: 0, length: Int64(partSize)))
        let second = try client().uploadPart(key: key, uploadID: uploadID, partNumber: 2,
                                             file: FileRangeBody(fd: fd, offset: Int64(partSize), length: Int64(partSize)))
        // The process "restarts": a new client knows only the key and the upload id.
        let listed = try client().listParts(key: key, uploadID: uploadID)
        #expect(listed.map(\.partNumber) == [1, 2])
        #expect(listed.map(\.etag) == [first.etag, second.etag])
        #expect(listed.map(\.size) == [Int64(partSize), Int64(partSize)])
        #expect(try client().listParts(key: key, uploadID: uploadID, pageSize: 1) == listed)
        let third = try client().uploadPart(key: key, uploadID: uploadID, partNumber: 3,
                                            file: FileRangeBody(fd: fd, offset: Int64(2 * partSize), length: 10))
        try client().completeMultipartUpload(key: key, uploadID: uploadID, parts: listed + [third])
        #expect(try download(key, into: folder) == bytes)
        #expect(try client().headObject(key: key).metadata["task-id"] == "cgt-resume")
    }

    @Test("ListMultipartUploads lists the uploads under a prefix only; Abort removes them; a gone upload is NoSuchUpload")
    func listAndAbort() throws {
        let s3 = try client()
        let a = try s3.createMultipartUpload(key: "sweep/a.mp4")
        let b = try s3.createMultipartUpload(key: "sweep/b c.mp4")
        let other = try s3.createMultipartUpload(key: "sweep-not/x.mp4")
        let listed = try s3.listMultipartUploads(prefix: "sweep/")
        #expect(Set(listed.map(\.uploadID)) == [a, b])
        #expect(Set(listed.map(\.key)) == ["sweep/a.mp4", "sweep/b c.mp4"])
        #expect(listed.allSatisfy { !$0.initiated.isEmpty })
        for upload in listed { try s3.abortMultipartUpload(key: upload.key, uploadID: upload.uploadID) }
        #expect(try s3.listMultipartUploads(prefix: "sweep/").isEmpty)
        #expect(try s3.listMultipartUploads(prefix: "sweep-not/").map(\.uploadID) == [other])
        let gone = try #require(s3Error { _ = try s3.listParts(key: "sweep/a.mp4", uploadID: a) })
        #expect(gone.code == "NoSuchUpload" && gone.status == 404 && gone.disposition == .failed && !gone.isRetryable)
        try s3.abortMultipartUpload(key: "sweep-not/x.mp4", uploadID: other)
    }

    @Test("a wrong secret key is SignatureDoesNotMatch, with a sentence naming the setting and no secret in any text")
    func wrongSecret() throws {
        let wrong = "wrongSecretKeyThatMustNotLeak0123456789"
        let error = try #require(s3Error { try client(secret: wrong).putObject(key: "x.json", body: [1]) })
        #expect(error.status == 403 && error.code == "SignatureDoesNotMatch")
        #expect(error.disposition == .needsOperator && error.isRetryable)
        #expect(error.advice.contains("s3.secret_access_key"))
        #expect(!"\(error)".contains(wrong) && !error.message.contains(wrong))
        let unknown = try #require(s3Error { try client(accessKeyID: "AKIAUNKNOWNKEY000000").headBucket() })
        #expect(unknown.status == 403)
        let listing = try #require(s3Error { _ = try client(accessKeyID: "AKIAUNKNOWNKEY000000").listMultipartUploads(prefix: "") })
        #expect(listing.code == "InvalidAccessKeyId" && listing.advice.contains("s3.access_key_id"))
    }

    @Test("an answer larger than maxResponseBytes fails for good instead of filling memory")
    func responseLimit() throws {
        let s3 = try client(maxResponseBytes: 64)
        let error = try #require(s3Error { _ = try s3.listMultipartUploads(prefix: "") })
        #expect(error.status == nil && error.message.contains("larger than 64 bytes") && error.disposition == .failed)
        // The same answer fits the default limit.
        _ = try client().listMultipartUploads(prefix: "")
    }
}
