import Foundation
import HTTP
import Testing
@testable import ArchiveSite

@Suite("The video: Range, If-Range, If-None-Match, a bucket's presigned link")
struct VideoEndpointTests {
    static let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 * 7) }

    @Test("the whole file is a file body with its validators and Accept-Ranges")
    func whole() throws {
        let site = try SiteUnderTest()
        try site.archived("t1", bytes: Self.bytes)
        let response = site.ask("GET", "/api/v1/tasks/t1/video")
        #expect(response.status == 200)
        #expect(response.file?.length == 10_000 && response.body.isEmpty)
        #expect(response.headers["Accept-Ranges"] == "bytes")
        #expect(response.headers["ETag"] == "\"" + String(repeating: "ab", count: 32) + "\"")
        #expect(response.headers["Last-Modified"]?.hasSuffix(" GMT") == true)
        #expect(response.headers["Content-Type"] == "video/mp4")
    }

    @Test("a range is 206 with Content-Range; past the end 416 with bytes */length")
    func ranges() throws {
        let site = try SiteUnderTest()
        try site.archived("t1", bytes: Self.bytes)
        let partial = site.ask("GET", "/api/v1/tasks/t1/video", headers: [("Range", "bytes=100-199")])
        #expect(partial.status == 206)
        #expect(partial.headers["Content-Range"] == "bytes 100-199/10000")
        #expect(partial.file?.offset == 100 && partial.file?.length == 100)
        let refused = site.ask("GET", "/api/v1/tasks/t1/video", headers: [("Range", "bytes=10000-")])
        #expect(refused.status == 416)
        #expect(refused.headers["Content-Range"] == "bytes */10000")
    }

    @Test("If-Range with the current ETag or date keeps the range; another validator sends the whole file")
    func ifRange() throws {
        let site = try SiteUnderTest()
        try site.archived("t1", bytes: Self.bytes)
        let first = site.ask("GET", "/api/v1/tasks/t1/video")
        let etag = try #require(first.headers["ETag"])
        let date = try #require(first.headers["Last-Modified"])
        for (validator, status) in [(etag, 206), (date, 206), ("\"other\"", 200), ("W/" + etag, 200),
                                    ("Mon, 01 Jan 2001 00:00:00 GMT", 200)] {
            let response = site.ask("GET", "/api/v1/tasks/t1/video", headers: [("Range", "bytes=0-9"), ("If-Range", validator)])
            #expect(response.status == status, "If-Range: \(validator)")
        }
        #expect(site.ask("GET", "/api/v1/tasks/t1/video", headers: [("If-None-Match", etag)]).status == 304)
    }

    @Test("no video yet, or a file gone from the disk, is 404 saying why")
    func missing() throws {
        let site = try SiteUnderTest()
        try site.seen("t-running", status: .processing)
        #expect(site.ask("GET", "/api/v1/tasks/t-running/video").status == 404)
        let path = try site.archived("t-gone", bytes: Self.bytes)
        try FileManager.default.removeItem(atPath: path)
        let gone = site.ask("GET", "/api/v1/tasks/t-gone/video")
        #expect(gone.status == 404)
        #expect(String(decoding: gone.body, as: UTF8.self).contains("cannot be opened"))
    }

    @Test("a recorded content type that is not a video's is sent as bytes", arguments: [
        ("video/mp4", "video/mp4"), ("video/webm; codecs=vp9", "video/webm"), ("text/html", "application/octet-stream"),
        ("video/<x>", "application/octet-stream"),
    ])
    func contentTypes(recorded: String, sent: String) {
        #expect(VideoEndpoint.contentType(recorded) == sent)
    }

    @Test("a video in a bucket is a 307 to a presigned GET that lives 300 s; without s3 settings 503")
    func bucket() throws {
        struct Signer: ObjectLinkSigner {
            func presignedGetURL(bucket: String, key: String, expiresIn seconds: Int) throws -> String {
                "https://\(bucket).s3.example.com/\(key)?X-Amz-Expires=\(seconds)"
            }
        }
        let site = try SiteUnderTest(signer: Signer())
        try site.seen("t1", status: .completed)
        try site.ledger.testMarkObjectArchived("t1")
        let response = site.ask("GET", "/api/v1/tasks/t1/video")
        #expect(response.status == 307)
        #expect(response.headers["Location"] == "https://videos.s3.example.com/2025/10/24/t1.mp4?X-Amz-Expires=300")
        let unsigned = try SiteUnderTest()
        try unsigned.seen("t1", status: .completed)
        try unsigned.ledger.testMarkObjectArchived("t1")
        #expect(unsigned.ask("GET", "/api/v1/tasks/t1/video").status == 503)
    }

    @Test("s3:// locations split into bucket and key", arguments: [
        ("s3://videos/2025/10/24/t1.mp4", "videos", "2025/10/24/t1.mp4"), ("/archive/t1.mp4", nil, nil),
        ("s3:///key", nil, nil), ("s3://bucket/", nil, nil),
    ])
    func objectLocations(archive: String, bucket: String?, key: String?) {
        let location = VideoEndpoint.objectLocation(archive)
        #expect(location?.bucket == bucket && location?.key == key)
    }
}
