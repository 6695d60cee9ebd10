import Archive
import Foundation
import Outbox
import Testing
@testable import Ledger
import TestSupport
import VideoAPI

/// The download's end when the archive is a bucket: the job done with `s3://bucket/key`,
/// the upload verified, and `video.archived` naming the object, in one transaction.
@Suite("A video archived as an object")
struct ObjectArchiveTests {
    let directory = TemporaryDirectory()
    static let object = ArchivedObject(bucket: "videos", key: "archive/2025/10/24/t1.mp4",
                                       etag: "\"9b2cf535f27731c974343645a3985328-2\"", versionID: "3HL4kqtJlcpX")

    /// t1 completed, its download under way with its response facts, its upload completed.
    func ledger(complete: Bool = true) throws -> Ledger {
        let ledger = try directory.openLedger()
        try ledger.setNotificationTargets([
            NotificationTarget(key: "webhook https://app.test/hooks", events: [.videoArchived]),
        ])
        _ = try ledger.record(try TaskBody.event(id: "t1", status: .completed,
                                                 results: ["https://media.example.com/videos/t1.mp4?sig=s3cr3t&x=1"]))
        try ledger.recordDownloadResponse(taskID: "t1", facts: DownloadResponseFacts(
            bytesTotal: 12, etag: "\"src\"", lastModified: nil, contentType: "video/mp4"), bytesDone: 0)
        _ = try ledger.beginObjectUpload(taskID: "t1", bucket: Self.object.bucket, key: Self.object.key,
                                         uploadID: "u1", partSize: 5_242_880, bytesTotal: 12)
        try ledger.recordObjectUploadPart(taskID: "t1", uploadID: "u1", part: ObjectUploadPart(
            number: 1, bytes: 12, etag: "\"p1\"", checksumSHA256: Data(count: 32).base64EncodedString()))
        if complete { try ledger.markObjectUploadCompleted(taskID: "t1") }
        return ledger
    }

    func archivedBody(_ ledger: Ledger) throws -> [String: Any] {
        let events = try ledger.notificationEvents(taskID: "t1").filter { $0.type == .videoArchived }
        try #require(events.count == 1)
        let detail = try #require(try ledger.notificationEvent(id: events[0].id))
        #expect(detail.event.deliveries.map(\.target) == ["webhook https://app.test/hooks"])
        return try #require(try JSONSerialization.jsonObject(with: Data(detail.body)) as? [String: Any])
    }

    @Test("video.archived names the bucket, key, s3 URL, ETag and version id, with the file's facts")
    func archivedBodyForAnObject() throws {
        let ledger = try ledger()
        let now = Date(timeIntervalSince1970: 1_800_000_300)
        try ledger.markDownloadDone(taskID: "t1", object: Self.object, sha256: String(repeating: "ab", count: 32),
                                    bytes: 12, sidecarURL: "s3://videos/archive/2025/10/24/t1.json", now: now)
        let body = try archivedBody(ledger)
        #expect(body["type"] as? String == "video.archived")
        #expect(body["timestamp"] as? String == "2027-01-15T08:05:00.000Z")
        let data = try #require(body["data"] as? [String: Any])
        #expect(data["task_id"] as? String == "t1" && data["status"] as? String == "completed")
        #expect((data["task"] as? [String: Any])?["id"] as? String == "t1")
        let archive = try #require(data["archive"] as? [String: Any])
        #expect(Set(archive.keys) == ["bucket", "key", "url", "etag", "version_id"], "no path for an object")
        #expect(archive["bucket"] as? String == "videos")
        #expect(archive["key"] as? String == "archive/2025/10/24/t1.mp4")
        #expect(archive["url"] as? String == "s3://videos/archive/2025/10/24/t1.mp4")
        #expect(archive["etag"] as? String == "\"9b2cf535f27731c974343645a3985328-2\"")
        #expect(archive["version_id"] as? String == "3HL4kqtJlcpX")
        #expect(data["bytes"] as? Int == 12)
        #expect(data["sha256"] as? String == String(repeating: "ab", count: 32))
        #expect(data["content_type"] as? String == "video/mp4")
        #expect(data["source_url"] as? String == "https://media.example.com/videos/t1.mp4", "the query is left out")
        #expect(data["sidecar"] as? String == "s3://videos/archive/2025/10/24/t1.json")
    }

    @Test("the job is done with the object as its archive; the upload is verified with the same ETag and version")
    func jobAndUploadAfterDone() throws {
        let ledger = try ledger()
        let now = Date(timeIntervalSince1970: 1_800_000_300)
        try ledger.markDownloadDone(taskID: "t1", object: Self.object, sha256: "cd", bytes: 12, now: now)
        let detail = try #require(try ledger.task(id: TaskID("t1")!))
        let job = try #require(detail.downloadJob)
        #expect(job.state == .done && job.finishedAt == now)
        #expect(job.archivePath == "s3://videos/archive/2025/10/24/t1.mp4")
        #expect(job.objectETag == Self.object.etag && job.objectVersionID == "3HL4kqtJlcpX")
        #expect(job.sha256 == "cd" && job.bytesDone == 12 && job.bytesTotal == 12 && job.lastError == nil)
        #expect(job.etag == "\"src\"", "the source's validator is kept apart from the object's ETag")
        let upload = try #require(detail.objectUpload)
        #expect(upload.state == .verified && upload.etag == Self.object.etag && upload.versionID == "3HL4kqtJlcpX")
        #expect(upload.verifiedAt == now)
        // No sidecar: null, as for a file.
        #expect((try archivedBody(ledger)["data"] as? [String: Any])?["sidecar"] is NSNull)
    }

    @Test("an unversioned bucket gives version_id null in the event and nil on the job")
    func unversioned() throws {
        let ledger = try ledger()
        var object = Self.object
        object.versionID = nil
        try ledger.markDownloadDone(taskID: "t1", object: object, sha256: "cd", bytes: 12)
        let archive = try #require((try archivedBody(ledger)["data"] as? [String: Any])?["archive"] as? [String: Any])
        #expect(archive["version_id"] is NSNull)
        #expect(archive.keys.contains("version_id"))
        #expect(try ledger.downloadJob(taskID: "t1")?.objectVersionID == nil)
    }

    @Test("an object not completed, or not the task's, is refused: nothing is done and no event is left")
    func refusedLeavesNothing() throws {
        let ledger = try ledger(complete: false)
        #expect(throws: LedgerError.self, "an upload still under way is not an archived object") {
            try ledger.markDownloadDone(taskID: "t1", object: Self.object, sha256: "cd", bytes: 12)
        }
        try ledger.markObjectUploadCompleted(taskID: "t1")
        var other = Self.object
        other.key = "archive/elsewhere/t1.mp4"
        #expect(throws: LedgerError.self, "another object than the upload's") {
            try ledger.markDownloadDone(taskID: "t1", object: other, sha256: "cd", bytes: 12)
        }
        #expect(throws: LedgerError.self, "a task without an upload") {
            try ledger.markDownloadDone(taskID: "no-such-task", object: Self.object, sha256: "cd", bytes: 12)
        }
        #expect(try ledger.notificationEvents(taskID: "t1").allSatisfy { $0.type != .videoArchived })
        #expect(try ledger.downloadJob(taskID: "t1")?.state == .queued)
        #expect(try ledger.objectUpload(taskID: "t1")?.state == .completed)
    }

    @Test("the job cannot be done while its upload is verified but the job is missing: both roll back")
    func jobMissingRollsBackVerification() throws {
        let ledger = try ledger()
        try ledger.testWrite(sql: "DELETE FROM download_jobs WHERE task_id = 't1'")
        #expect(throws: LedgerError.self) {
            try ledger.markDownloadDone(taskID: "t1", object: Self.object, sha256: "cd", bytes: 12)
        }
        #expect(try ledger.objectUpload(taskID: "t1")?.state == .completed, "the verification rolled back with the job")
    }

    @Test("the file archive's video.archived keeps its path form")
    func fileArchiveUnchanged() throws {
        let ledger = try ledger()
        try ledger.markDownloadDone(taskID: "t1", archivePath: "/a/2025/10/24/t1.mp4", sha256: "cd", bytes: 12)
        let archive = try #require((try archivedBody(ledger)["data"] as? [String: Any])?["archive"] as? [String: Any])
        #expect(archive as NSDictionary == ["path": "/a/2025/10/24/t1.mp4"] as NSDictionary)
        #expect(try ledger.downloadJob(taskID: "t1")?.objectETag == nil)
    }

    @Test("show --json carries the upload: its URL, state, parts, ETag and version id")
    func showJSON() throws {
        let ledger = try ledger()
        try ledger.markDownloadDone(taskID: "t1", object: Self.object, sha256: "cd", bytes: 12)
        let json = try LedgerJSON.encode(try #require(try ledger.task(id: TaskID("t1")!)))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let upload = try #require(object["object_upload"] as? [String: Any])
        #expect(upload["url"] as? String == "s3://videos/archive/2025/10/24/t1.mp4")
        #expect(upload["bucket"] as? String == "videos" && upload["key"] as? String == Self.object.key)
        #expect(upload["state"] as? String == "verified" && upload["upload_id"] as? String == "u1")
        #expect(upload["parts_count"] as? Int == 1 && upload["bytes_uploaded"] as? Int == 12)
        #expect(upload["etag"] as? String == Self.object.etag && upload["version_id"] as? String == "3HL4kqtJlcpX")
        let job = try #require(object["download_job"] as? [String: Any])
        #expect(job["object_etag"] as? String == Self.object.etag && job["object_version_id"] as? String == "3HL4kqtJlcpX")
        #expect(job["archive_path"] as? String == "s3://videos/archive/2025/10/24/t1.mp4")
    }
}
