import Archive
import Foundation
import Testing

@Suite("The sidecar JSON")
struct ArchiveSidecarTests {
    private func sidecar(body: String, extras: [ArchiveSidecar.ExtraFile] = []) -> ArchiveSidecar {
        ArchiveSidecar(
            taskID: "task-unified-1761313744-abcd1234", file: "task-unified-1761313744-abcd1234.mp4",
            sourceURL: "https://cdn.example.com/v.mp4?sig=a\"b", bytes: 52_428_800,
            sha256: String(repeating: "ab", count: 32), contentType: "video/mp4", etag: "\"e1\"", lastModified: nil,
            startedAt: Date(timeIntervalSince1970: 1_761_313_800.25), finishedAt: Date(timeIntervalSince1970: 1_761_313_831),
            attempts: 2, extraFiles: extras, taskBody: Array(body.utf8))
    }

    @Test("it is valid JSON with every field, the task body spliced in as received")
    func fieldsAndRawBody() throws {
        let body = #"{"id":"task-unified-1761313744-abcd1234","status":"completed","created":1761313744,"future_key":{"x":[1,2.50]},"results":["https://cdn.example.com/v.mp4"]}"#
        let bytes = sidecar(body: body, extras: [
            .init(index: 1, file: "task-unified-1761313744-abcd1234.1.png", sourceURL: "https://cdn.example.com/f.png",
                  bytes: 1234, sha256: String(repeating: "cd", count: 32), contentType: "image/png"),
        ]).encoded()
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasSuffix("}\n"))
        // Spliced verbatim: the number keeps its trailing zero, which a re-encode would drop.
        #expect(text.contains(#""future_key":{"x":[1,2.50]}"#))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(object["task_id"] as? String == "task-unified-1761313744-abcd1234")
        #expect(object["source_url"] as? String == "https://cdn.example.com/v.mp4?sig=a\"b")
        #expect(object["bytes"] as? Int == 52_428_800)
        #expect(object["sha256"] as? String == String(repeating: "ab", count: 32))
        #expect(object["content_type"] as? String == "video/mp4")
        #expect(object["etag"] as? String == "\"e1\"")
        #expect(object["last_modified"] is NSNull)
        #expect(object["started_at"] as? String == "2025-10-24T13:50:00.250Z")
        #expect(object["finished_at"] as? String == "2025-10-24T13:50:31.000Z")
        #expect(object["attempts"] as? Int == 2)
        let extras = try #require(object["extra_files"] as? [[String: Any]])
        #expect(extras.count == 1 && extras[0]["file"] as? String == "task-unified-1761313744-abcd1234.1.png")
        let task = try #require(object["task"] as? [String: Any])
        #expect(task["created"] as? Int == 1_761_313_744)
    }

    @Test("a body that is not JSON is kept as text, and control characters are escaped")
    func nonJSONBody() throws {
        let bytes = sidecar(body: "not json\u{1}\n").encoded()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(object["task"] is NSNull)
        #expect(object["task_body_text"] as? String == "not json\u{1}\n")
        #expect(object["extra_files"] as? [Any] != nil)
    }

    @Test("the file archive's sidecar is these exact bytes: keys, order, indentation, escapes")
    func exactBytes() {
        let text = String(decoding: sidecar(body: #"{"id":"t", "n":2.50}"#, extras: [
            .init(index: 1, file: "t.1.png", sourceURL: "https://cdn.example.com/f.png", bytes: 1234,
                  sha256: "cd", contentType: nil),
        ]).encoded(), as: UTF8.self)
        let expected = #"""
            {
              "task_id": "task-unified-1761313744-abcd1234",
              "file": "task-unified-1761313744-abcd1234.mp4",
              "source_url": "https://cdn.example.com/v.mp4?sig=a\"b",
              "bytes": 52428800,
              "sha256": "\#(String(repeating: "ab", count: 32))",
              "content_type": "video/mp4",
              "etag": "\"e1\"",
              "last_modified": null,
              "started_at": "2025-10-24T13:50:00.250Z",
              "finished_at": "2025-10-24T13:50:31.000Z",
              "attempts": 2,
              "extra_files": [
                {"index": 1, "file": "t.1.png", "source_url": "https://cdn.example.com/f.png", "bytes": 1234, "sha256": "cd", "content_type": null}
              ],
              "task": {"id":"t", "n":2.50}
            }

            """#
        #expect(text == expected)
    }

    @Test("a bucket archive's sidecar names the object after the file; everything else is as for a file")
    func withObject() throws {
        var withObject = sidecar(body: #"{"id":"t"}"#)
        withObject.object = ArchivedObject(bucket: "videos", key: "archive/2025/10/24/t.mp4",
                                                  etag: "\"9b2c-2\"", versionID: "v\u{1}7")
        let text = String(decoding: withObject.encoded(), as: UTF8.self)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let named = try #require(object["object"] as? [String: Any])
        #expect(Set(named.keys) == ["bucket", "key", "url", "etag", "version_id"])
        #expect(named["bucket"] as? String == "videos")
        #expect(named["key"] as? String == "archive/2025/10/24/t.mp4")
        #expect(named["url"] as? String == "s3://videos/archive/2025/10/24/t.mp4")
        #expect(named["etag"] as? String == "\"9b2c-2\"")
        #expect(named["version_id"] as? String == "v\u{1}7")
        // Nested at its level, placed after "file", and the rest is the file form's bytes.
        #expect(text.contains("""
              "file": "task-unified-1761313744-abcd1234.mp4",
              "object": {
                "bucket": "videos",
                "key": "archive/2025/10/24/t.mp4",
                "url": "s3://videos/archive/2025/10/24/t.mp4",
                "etag": "\\"9b2c-2\\"",
                "version_id": "v\\u00017"
              },
              "source_url":
            """))
        let withoutObject = String(decoding: sidecar(body: #"{"id":"t"}"#).encoded(), as: UTF8.self)
        let blockStart = try #require(text.range(of: "  \"object\": {")).lowerBound
        let blockEnd = try #require(text.range(of: "  \"source_url\"")).lowerBound
        let objectBlock = text[blockStart..<blockEnd]
        #expect(text.replacingOccurrences(of: String(objectBlock), with: "") == withoutObject)

        withObject.object?.versionID = nil
        let unversioned = try #require(try JSONSerialization.jsonObject(with: Data(withObject.encoded())) as? [String: Any])
        #expect((unversioned["object"] as? [String: Any])?["version_id"] is NSNull)
    }

    @Test("a file archive's sidecar has no object key at all")
    func withoutObject() throws {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(sidecar(body: "{}").encoded())) as? [String: Any])
        #expect(object["object"] == nil)
    }
}
