import Downloader
import Foundation
import Glibc
import HTTPClient
import Ledger
import ObjectStore
import TestSupport
import Testing
@testable import ObjectArchive

/// The download's bytes end as verified objects in a real S3 implementation (moto, with
/// signature checks on), fetched from the tests' HTTPS file server; every object is read
/// back with boto3, not with our own client.
@Suite("Downloads archived to a bucket", .serialized)
struct BucketPipelineTests {
    @Test("a video of at most one part is one PutObject with both metadata fields; the sidecar names the object")
    func smallVideoOnePut() throws {
        let harness = try BucketHarness()
        let expected = try harness.files.makeFile("bucket-small.bin", size: 1 << 20)
        let id = "task-unified-1761313744-small001"
        let url = harness.files.url("bucket-small.bin", query: "key=\(uniqueKey("small"))&sig=secret-signature")
        try harness.addCompletedTask(id, results: [url])
        // A stray under the video's key, as a CreateMultipartUpload whose answer was lost leaves.
        let key = harness.keyFolder() + id + ".mp4"
        _ = try harness.moto.boto3("s3.create_multipart_upload(Bucket=argv[1], Key=argv[2])",
                                   arguments: [SharedBucket.name, key])
        #expect(try harness.openUploads().count == 1)
        try harness.start()
        let job = try #require(try harness.waitForJob(id))
        #expect(job.state == .done, "\(job.lastError ?? "") \(harness.logs.text)")

        #expect(job.archivePath == "s3://\(SharedBucket.name)/\(key)")
        #expect(job.sha256 == expected)
        #expect(try harness.downloadedSHA256(key) == expected)
        let head = try harness.head(key)
        #expect(head.ContentLength == 1 << 20)
        #expect(head.Metadata == ["task-id": id, "sha256": expected])
        #expect(head.ContentType == "video/mp4")

        let upload = try #require(try harness.ledger.objectUpload(taskID: id))
        #expect(upload.uploadID == nil && upload.state == .verified && upload.key == key)
        #expect(job.objectETag == upload.etag)

        let sidecarKey = harness.keyFolder() + id + ".json"
        #expect(try harness.keys() == [sidecarKey, key].sorted())
        let sidecar = try #require(try JSONSerialization.jsonObject(with: try harness.downloadedBytes(sidecarKey)) as? [String: Any])
        #expect(sidecar["task_id"] as? String == id)
        #expect(sidecar["file"] as? String == id + ".mp4")
        #expect(sidecar["sha256"] as? String == expected)
        #expect(sidecar["source_url"] as? String == url)
        let object = try #require(sidecar["object"] as? [String: Any])
        #expect(object["bucket"] as? String == SharedBucket.name && object["key"] as? String == key)
        #expect(object["url"] as? String == "s3://\(SharedBucket.name)/\(key)")
        #expect((sidecar["task"] as? [String: Any])?["id"] as? String == id)

        // Nothing stays on the disk without keep_local; nothing is left half-uploaded.
        #expect(harness.archivedFiles().isEmpty && harness.partialFiles().isEmpty)
        #expect(try harness.openUploads().isEmpty)
        #expect(harness.logs.events("upload.stray_aborted", task: id).count == 1)
        let started = harness.logs.events("upload.started", task: id)
        #expect(started.count == 1 && started.first?.metadata["mode"] == "single")
        #expect(harness.logs.events("upload.done", task: id).first?.metadata["sha256"] == expected)
        #expect(!harness.logs.text.contains("secret-signature") && !harness.logs.text.contains(harness.moto.secretAccessKey))
    }

    @Test("a 3-part video: parts go up while the download runs, then complete, digest, verify")
    func threePartsWhileDownloading() throws {
        let harness = try BucketHarness()
        let size = 2 * (5 << 20) + 123_457
        let expected = try harness.files.makeFile("bucket-three.bin", size: size)
        let id = "task-unified-1761313744-three001"
        // About 4 s for the body: 1 MiB every 0.3 s.
        let url = harness.files.url("bucket-three.bin", query: "key=\(uniqueKey("three"))&chunk_bytes=1048576&pace=0.3")
        // What the ledger says of the download when each part is recorded.
        let seen = Notes<(part: Int, bytesDone: Int64, total: Int64?)>()
        let ledger = harness.ledger
        harness.observer = ObjectArchiveObserver(partRecorded: { task, number, _ in
            let job = try? ledger.downloadJob(taskID: task)
            seen.append((number, job?.bytesDone ?? -1, job?.bytesTotal))
        })
        try harness.addCompletedTask(id, results: [url])
        try harness.start()
        let job = try #require(try harness.waitForJob(id))
        #expect(job.state == .done, "\(job.lastError ?? "") \(harness.logs.text)")

        // Part 1 was recorded while the video was still arriving.
        let first = try #require(seen.all.first { $0.part == 1 })
        #expect(first.total == Int64(size) && first.bytesDone < Int64(size), "\(seen.all)")
        #expect(seen.all.map(\.part) == [1, 2, 3])

        let key = harness.keyFolder() + id + ".mp4"
        let parts = try harness.ledger.objectUploadParts(taskID: id)
        #expect(parts.map(\.bytes) == [5 << 20, 5 << 20, 123_457])
        let upload = try #require(try harness.ledger.objectUpload(taskID: id))
        #expect(upload.uploadID != nil && upload.state == .verified && upload.bytesTotal == Int64(size))
        #expect(try harness.downloadedSHA256(key) == expected)
        let head = try harness.head(key)
        #expect(head.Metadata == ["task-id": id, "sha256": expected])
        // The store's own whole-object digest, computed by the copy that added the metadata.
        #expect(head.ChecksumSHA256 == base64OfHex(expected))
        #expect(try harness.openUploads().isEmpty)
        #expect(harness.logs.events("upload.part", task: id).count == 3)
        #expect(harness.logs.events("upload.started", task: id).first?.metadata["mode"] == "multipart")
    }

    @Test("stopped after part 1 and started afresh: the same upload resumes, one object, nothing left open")
    func resumeAfterStop() throws {
        let first = try BucketHarness()
        let size = 2 * (5 << 20) + 4096
        let expected = try first.files.makeFile("bucket-resume.bin", size: size)
        let id = "task-unified-1761313744-resume01"
        let url = first.files.url("bucket-resume.bin", query: "key=\(uniqueKey("resume"))&chunk_bytes=1048576&pace=0.4")
        let recorded = Notes<Int>()
        first.observer = ObjectArchiveObserver(partRecorded: { _, number, _ in recorded.append(number) })
        try first.addCompletedTask(id, results: [url])
        try first.start()
        #expect(first.waitUntil { recorded.all.contains(1) }, "\(first.logs.text)")
        #expect(first.stop())
        let stopped = try #require(try first.ledger.downloadJob(taskID: id))
        #expect(stopped.state == .queued && stopped.bytesDone < Int64(size))
        let uploadID = try #require(try first.ledger.objectUpload(taskID: id)?.uploadID)
        let partsBefore = try first.ledger.objectUploadParts(taskID: id)
        #expect(!partsBefore.isEmpty)
        // The recorded parts' bytes are gone from the disk: the resume cannot re-read them.
        #expect(stopped.bytesReleased == Int64(partsBefore.count) * (5 << 20))

        // A new process: the ledger opened again, a new client, a new service.
        let second = try BucketHarness(restarting: first)
        try second.start()
        let job = try #require(try second.waitForJob(id))
        #expect(job.state == .done, "\(job.lastError ?? "") \(second.logs.text)")
        let upload = try #require(try second.ledger.objectUpload(taskID: id))
        #expect(upload.uploadID == uploadID, "a second upload was made")
        let parts = try second.ledger.objectUploadParts(taskID: id)
        #expect(Array(parts.prefix(partsBefore.count)) == partsBefore)
        #expect(parts.map(\.bytes) == [5 << 20, 5 << 20, 4096])
        #expect(second.logs.events("upload.started", task: id).isEmpty)
        let resumed = try #require(second.logs.events("upload.resumed", task: id).first)
        #expect(resumed.metadata["parts_kept"] == "\(partsBefore.count)")
        let digest = try #require(second.logs.events("download.digest_resumed", task: id).first)
        #expect(digest.metadata["from_bytes"] == "\(Int64(partsBefore.count) * (5 << 20))")

        let key = second.keyFolder() + id + ".mp4"
        #expect(try second.downloadedSHA256(key) == expected)
        #expect(try second.head(key).Metadata["sha256"] == expected)
        #expect(try second.openUploads().isEmpty)
        #expect(try second.keys() == [key, second.keyFolder() + id + ".json"].sorted())
    }

    @Test("a crash between CompleteMultipartUpload and its record: the upload is gone, HeadObject finds the object ours")
    func completedBeforeTheCrash() throws {
        let first = try BucketHarness()
        let size = 2 * (5 << 20) + 999
        let expected = try first.files.makeFile("bucket-gone.bin", size: size)
        let id = "task-unified-1761313744-gone0001"
        let url = first.files.url("bucket-gone.bin", query: "key=\(uniqueKey("gone"))&chunk_bytes=1048576&pace=0.4")
        let recorded = Notes<Int>()
        first.observer = ObjectArchiveObserver(partRecorded: { _, number, _ in recorded.append(number) })
        try first.addCompletedTask(id, results: [url])
        try first.start()
        #expect(first.waitUntil { recorded.all.contains(1) }, "\(first.logs.text)")
        #expect(first.stop())
        let upload = try #require(try first.ledger.objectUpload(taskID: id))
        let uploadID = try #require(upload.uploadID)

        // What the run that crashed did next: the rest of the video on disk and recorded,
        // the other parts sent and recorded, the upload completed; then it died before
        // the ledger heard of the completion.
        let partial = first.directory.file("archive/.partial/\(id).0.part")
        try FileManager.default.removeItem(atPath: partial)
        try FileManager.default.copyItem(atPath: first.files.root + "/bucket-gone.bin", toPath: partial)
        try first.ledger.recordDownloadProgress(taskID: id, bytesDone: Int64(size))
        let s3 = try BucketHarness.client(first.moto)
        let fd = open(partial, O_RDONLY)
        defer { close(fd) }
        var parts = try first.ledger.objectUploadParts(taskID: id).map {
            S3UploadedPart(partNumber: $0.number, etag: $0.etag, size: $0.bytes, checksumSHA256: $0.checksumSHA256)
        }
        #expect(parts.count == 1)
        for number in 2...3 {
            let offset = Int64((number - 1) * (5 << 20))
            let sent = try s3.uploadPart(key: upload.key, uploadID: uploadID, partNumber: number,
                                         file: FileRangeBody(fd: fd, offset: offset, length: min(5 << 20, Int64(size) - offset)))
            try first.ledger.recordObjectUploadPart(taskID: id, uploadID: uploadID, part: ObjectUploadPart(
                number: number, bytes: sent.size, etag: sent.etag, checksumSHA256: sent.checksumSHA256 ?? ""))
            parts.append(sent)
        }
        try s3.completeMultipartUpload(key: upload.key, uploadID: uploadID, parts: parts)

        let second = try BucketHarness(restarting: first)
        try second.start()
        let job = try #require(try second.waitForJob(id))
        #expect(job.state == .done, "\(job.lastError ?? "") \(second.logs.text)")
        #expect(second.logs.events("upload.gone", task: id).count == 1)
        #expect(second.logs.events("upload.found_completed", task: id).count == 1)
        #expect(second.logs.events("upload.started", task: id).isEmpty && second.logs.events("upload.part", task: id).isEmpty)
        let verified = try #require(try second.ledger.objectUpload(taskID: id))
        #expect(verified.uploadID == uploadID && verified.state == .verified)
        #expect(try second.downloadedSHA256(upload.key) == expected)
        #expect(try second.head(upload.key).Metadata == ["task-id": id, "sha256": expected])
        #expect(try second.openUploads().isEmpty)
    }

    @Test("a video that changed on the server: the parts of the old bytes are dropped, the object is the new file")
    func changedFileStartsOver() throws {
        let harness = try BucketHarness()
        let size = 2 * (5 << 20) + 77_777
        try harness.files.makeFile("bucket-old.bin", size: size)
        let changed = try harness.files.makeFile("bucket-new.bin", size: size + 1000)
        let id = "task-unified-1761313744-change01"
        // The first answer is reset near its end; the next ones serve another file (another
        // ETag), so the resume's If-Range gets the whole new file.
        let url = harness.files.url("bucket-old.bin",
                                    query: "key=\(uniqueKey("change"))&chunk_bytes=1048576&pace=0.5&reset=0.95&times=1&then=bucket-new.bin")
        let recorded = Notes<Int>()
        harness.observer = ObjectArchiveObserver(partRecorded: { _, number, _ in recorded.append(number) })
        try harness.addCompletedTask(id, results: [url])
        try harness.start()
        let job = try #require(try harness.waitForJob(id))
        #expect(job.state == .done && job.sha256 == changed, "\(job.lastError ?? "") \(harness.logs.text)")
        #expect(harness.logs.events("download.restarted", task: id).count == 1)
        // A part of the old bytes was sent before the change was seen, and dropped with its upload.
        #expect(recorded.all.first == 1 && recorded.all.count >= 4, "\(recorded.all)")
        let started = harness.logs.events("upload.started", task: id).compactMap { $0.metadata["upload_id"] }
        #expect(started.count == 2 && Set(started).count == 2, "\(harness.logs.text)")
        #expect(harness.logs.events("upload.abandoned", task: id).count == 1)
        let upload = try #require(try harness.ledger.objectUpload(taskID: id))
        #expect(upload.uploadID == started.last)
        #expect(try harness.ledger.objectUploadParts(taskID: id).map(\.bytes) == [5 << 20, 5 << 20, 78_777])
        let key = harness.keyFolder() + id + ".mp4"
        #expect(try harness.downloadedSHA256(key) == changed)
        #expect(try harness.head(key).ChecksumSHA256 == base64OfHex(changed))
        #expect(try harness.openUploads().isEmpty)
    }

    @Test("a wrong secret makes the job wait with the store's sentence; a corrected client lets it finish")
    func wrongSecretWaitsThenFinishes() throws {
        let wrong = "wrongSecretThatMustNotLeak0123456789abcd"
        let harness = try BucketHarness(secret: wrong)
        let expected = try harness.files.makeFile("bucket-secret.bin", size: 300_000)
        let id = "task-unified-1761313744-secret01"
        try harness.addCompletedTask(id, results: [harness.files.url("bucket-secret.bin", query: "key=\(uniqueKey("secret"))")])
        try harness.start()
        #expect(try harness.waitUntil {
            let job = try harness.ledger.downloadJob(taskID: id)
            return job?.attempts ?? 0 >= 2 && job?.lastError?.contains("s3.secret_access_key") == true
        }, "\(harness.logs.text)")
        let waiting = try #require(try harness.ledger.downloadJob(taskID: id))
        #expect(waiting.state != .done && waiting.state != .failed)
        #expect(waiting.lastError?.contains("SignatureDoesNotMatch") == true)
        let retry = try #require(harness.logs.events("upload.retry", task: id).first)
        #expect(retry.metadata["reason"]?.contains("s3.secret_access_key") == true && retry.metadata["next_attempt"] != nil)
        #expect(try harness.ledger.objectUpload(taskID: id)?.lastError?.contains("s3.secret_access_key") == true)
        #expect(try harness.keys().isEmpty)

        harness.clients.replace(with: try BucketHarness.client(harness.moto))
        let job = try #require(try harness.waitForJob(id))
        #expect(job.state == .done, "\(job.lastError ?? "") \(harness.logs.text)")
        #expect(try harness.downloadedSHA256(harness.keyFolder() + id + ".mp4") == expected)
        #expect(!harness.logs.text.contains(wrong) && !harness.logs.text.contains(harness.moto.secretAccessKey))
    }

    @Test("after the client is replaced, retryWaitingJobsNow lets a job on a long backoff go at once")
    func waitingJobsMadeDue() throws {
        let harness = try BucketHarness(secret: "anotherWrongSecret0123456789abcdefghijk")
        harness.downloads.retryBaseDelay = .seconds(120)
        harness.downloads.retryMaxDelay = .seconds(120)
        let expected = try harness.files.makeFile("bucket-due.bin", size: 200_000)
        let id = "task-unified-1761313744-due00001"
        try harness.addCompletedTask(id, results: [harness.files.url("bucket-due.bin", query: "key=\(uniqueKey("due"))")])
        let service = try harness.start()
        #expect(try harness.waitUntil { try harness.ledger.downloadJob(taskID: id)?.attempts == 1 }, "\(harness.logs.text)")
        harness.clients.replace(with: try BucketHarness.client(harness.moto))
        // On its own it would wait a minute or more.
        Thread.sleep(forTimeInterval: 0.5)
        let waiting = try #require(try harness.ledger.downloadJob(taskID: id))
        #expect(waiting.state == .queued && waiting.nextAttemptAt > Date(timeIntervalSinceNow: 30))
        let archive = try #require(harness.archive)
        #expect(try archive.retryWaitingJobsNow() == 1)
        service.wake()
        let job = try #require(try harness.waitForJob(id, timeout: 15))
        #expect(job.state == .done, "\(job.lastError ?? "") \(harness.logs.text)")
        #expect(try harness.downloadedSHA256(harness.keyFolder() + id + ".mp4") == expected)
        // Nothing waits any more.
        #expect(try archive.retryWaitingJobsNow() == 0)
    }

    @Test("a stop while the store does not answer returns within the stop timeout; the job stays resumable")
    func stopWhileTheStoreHangs() throws {
        let silent = try SilentListener()
        let harness = try BucketHarness()
        harness.clients.replace(with: try BucketHarness.client(endpoint: silent.endpoint))
        let size = (5 << 20) + 300_000
        try harness.files.makeFile("bucket-hang.bin", size: size)
        let id = "task-unified-1761313744-hang0001"
        try harness.addCompletedTask(id, results: [harness.files.url("bucket-hang.bin", query: "key=\(uniqueKey("hang"))")])
        try harness.start()
        // The download is over (whole on disk) and the pump's CreateMultipartUpload hangs.
        #expect(try harness.waitUntil { try harness.ledger.downloadJob(taskID: id)?.bytesDone == Int64(size) },
                "\(harness.logs.text)")
        Thread.sleep(forTimeInterval: 0.5)
        let stopping = Date()
        #expect(harness.stop())
        #expect(Date().timeIntervalSince(stopping) < 3, "the stop waited for the store's read timeout")
        let job = try #require(try harness.ledger.downloadJob(taskID: id))
        #expect(job.state == .queued && job.bytesDone == Int64(size))
        #expect(harness.logs.events("download.stopped", task: id).count == 1)
    }

    @Test("keep_local also fills the file archive; a further result goes up beside the video")
    func keepLocalWithExtra() throws {
        let harness = try BucketHarness { $0.keepLocal = true }
        let video = try harness.files.makeFile("bucket-kept.bin", size: 700_000)
        let frame = try harness.files.makeFile("bucket-frame.data", size: 40_000)
        let id = "task-unified-1761313744-kept0001"
        let key = uniqueKey("kept")
        try harness.addCompletedTask(id, results: [
            harness.files.url("bucket-kept.bin", query: "key=\(key)"),
            harness.files.url("bucket-frame.data", query: "key=\(key)-frame&type=image/png"),
        ])
        try harness.start()
        let job = try #require(try harness.waitForJob(id))
        #expect(job.state == .done, "\(job.lastError ?? "") \(harness.logs.text)")
        let folder = harness.keyFolder()
        #expect(try harness.keys() == [folder + id + ".1.png", folder + id + ".json", folder + id + ".mp4"])
        #expect(try harness.downloadedSHA256(folder + id + ".1.png") == frame)
        #expect(try harness.head(folder + id + ".1.png").Metadata == ["task-id": id, "sha256": frame])
        #expect(try harness.downloadedSHA256(folder + id + ".mp4") == video)

        let day = String(folder.dropFirst(harness.prefix.count))
        #expect(harness.archivedFiles() == [day + id + ".1.png", day + id + ".json", day + id + ".mp4"])
        #expect(try FileServer.sha256(of: harness.directory.file("archive/\(day)\(id).mp4")) == video)
        let local = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: harness.directory.file("archive/\(day)\(id).json")))) as? [String: Any])
        #expect((local["object"] as? [String: Any])?["key"] as? String == folder + id + ".mp4")
        #expect((local["extra_files"] as? [[String: Any]])?.first?["file"] as? String == id + ".1.png")
        #expect(harness.partialFiles().isEmpty)
    }
}
