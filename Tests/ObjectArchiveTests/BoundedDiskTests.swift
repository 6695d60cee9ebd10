import Downloader
import Foundation
import Glibc
import Hashing
import Ledger
import ObjectStore
import TestSupport
import Testing
@testable import ObjectArchive

/// Issue 20's "disk use stays bounded": each recorded part's bytes are released from the
/// partial file, the download is held back while the pump is behind, and what a resume
/// needs (the digest's state with each part) is recorded; except with `s3.keep_local`,
/// and except when the store fails or is too slow, when the bytes stay on the disk.
@Suite("The bucket archive's bounded disk", .serialized)
struct BoundedDiskTests {
    static let partSize: Int64 = 5 << 20
    /// What the partial file may hold past two parts: a network read (256 KiB), a page
    /// either side, and the part end's page that waits for the next release.
    static let slack: Int64 = 1 << 20

    /// The partial file as the disk sees it when a part is recorded.
    struct Sample: Sendable {
        var part: Int
        var bytesDone: Int64
        var size: Int64
        /// Bytes the file system holds for it (`st_blocks` × 512).
        var allocated: Int64
        /// The first byte that is not in a hole (`lseek(SEEK_DATA)`), -1 when none.
        var firstData: Int64
    }

    static func sample(_ path: String, part: Int, bytesDone: Int64) -> Sample {
        var status = stat()
        guard stat(path, &status) == 0 else { return Sample(part: part, bytesDone: bytesDone, size: -1, allocated: -1, firstData: -1) }
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        // SEEK_DATA (3) is declared only under _GNU_SOURCE.
        let data = Int64(lseek(fd, 0, 3))
        return Sample(part: part, bytesDone: bytesDone, size: Int64(status.st_size), allocated: Int64(status.st_blocks) * 512,
                      firstData: data)
    }

    /// An observer whose part hook makes the pump slow (`pause` seconds per part, after
    /// the part is recorded and released), then samples the partial file.
    static func slowPump(_ harness: BucketHarness, task: String, pause: Double, samples: Notes<Sample>,
                         then: @escaping @Sendable (Int) -> Void = { _ in }) -> ObjectArchiveObserver {
        let ledger = harness.ledger
        let partial = harness.directory.file("archive/.partial/\(task).0.part")
        return ObjectArchiveObserver(partRecorded: { _, number, _ in
            then(number)
            Thread.sleep(forTimeInterval: pause)
            samples.append(sample(partial, part: number, bytesDone: (try? ledger.downloadJob(taskID: task))?.bytesDone ?? -1))
        })
    }

    /// The file's SHA-256 resumed from a part's recorded state: what a resume computes.
    static func resumedDigest(_ part: ObjectUploadPart, file: [UInt8]) -> String? {
        guard let encoded = part.sha256Midstate, let state = SHA256Midstate(encoded: encoded) else { return nil }
        let digest = SHA256Digest(resumingFrom: state)
        digest.update(Array(file[Int(state.byteCount)...]))
        return digest.finishHex()
    }

    /// The second part size is neither a multiple of 64 (each state keeps a tail) nor of
    /// a page (each release leaves the page a part ends in to the next).
    @Test("a slow pump: the download runs at most about two parts ahead, the file keeps its length and holds about two parts",
          arguments: [Self.partSize, Self.partSize + 100])
    func boundedWhileUploading(partSize: Int64) throws {
        let harness = try BucketHarness { $0.partSize = partSize }
        let size = 6 * Int(partSize) + 123_457
        let name = "bounded-\(partSize).bin"
        let expected = try harness.files.makeFile(name, size: size)
        let content = [UInt8](try Data(contentsOf: URL(fileURLWithPath: harness.files.root + "/" + name)))
        let id = "task-unified-1761313744-bound001"
        let samples = Notes<Sample>()
        harness.observer = Self.slowPump(harness, task: id, pause: 0.4, samples: samples)
        try harness.addCompletedTask(id, results: [
            harness.files.url(name, query: "key=\(uniqueKey("bounded"))&chunk_bytes=262144"),
        ])
        try harness.start()
        let job = try #require(try harness.waitForJob(id))
        #expect(job.state == .done && job.sha256 == expected, "\(job.lastError ?? "") \(harness.logs.text)")

        // The last part's sample comes after the job is done.
        #expect(harness.waitUntil(timeout: 5) { samples.all.count == 7 })
        let seen = samples.all
        #expect(seen.map(\.part) == Array(1...7), "\(seen.map(\.part))")
        for sample in seen.dropLast() {
            let part = Int64(sample.part)
            // Held back: at most the part on its way and the one being written past the recorded ones.
            #expect(sample.bytesDone <= (part + 2) * partSize + Self.slack,
                    "part \(part): \(sample.bytesDone) bytes downloaded, more than two parts ahead")
            // Released: the file keeps its length, and holds about two parts.
            #expect(sample.size >= part * partSize, "part \(part): the file is \(sample.size) bytes")
            #expect(sample.allocated <= 2 * partSize + Self.slack,
                    "part \(part): \(sample.allocated) bytes on the disk for a file of \(sample.size)")
            #expect(sample.firstData >= part * partSize - 4096, "part \(part): data from \(sample.firstData)")
        }
        // Without the hold, the download (local, unpaced) would have ended before part 1 was.
        #expect((seen.first?.bytesDone ?? 0) < Int64(size))

        let key = harness.keyFolder() + id + ".mp4"
        #expect(try harness.downloadedSHA256(key) == expected)
        #expect(try harness.head(key).Metadata == ["task-id": id, "sha256": expected])
        // Every whole part keeps the state a resume continues from; the last (short) one has none.
        let parts = try harness.ledger.objectUploadParts(taskID: id)
        #expect(parts.map(\.bytes) == Array(repeating: partSize, count: 6) + [123_457])
        for part in parts.dropLast() {
            #expect(Self.resumedDigest(part, file: content) == expected, "part \(part.number)'s state")
        }
        #expect(parts.last?.sha256Midstate == nil)
        // Whole pages only: up to the last page boundary of part 6's end.
        #expect(job.bytesReleased == 6 * partSize / 4096 * 4096)
        #expect(harness.logs.events("upload.part", task: id).first?.metadata["released_to"] == "\(partSize / 4096 * 4096)")
        #expect(harness.partialFiles().isEmpty && harness.archivedFiles().isEmpty)
    }

    @Test("keep_local: nothing is released and the download is not held back; the kept file is whole")
    func keepLocalKeepsEverything() throws {
        let harness = try BucketHarness { $0.keepLocal = true }
        let size = 6 * Int(Self.partSize) + 4321
        let expected = try harness.files.makeFile("kept-whole.bin", size: size)
        let id = "task-unified-1761313744-keepw001"
        let samples = Notes<Sample>()
        harness.observer = Self.slowPump(harness, task: id, pause: 0.4, samples: samples)
        try harness.addCompletedTask(id, results: [
            harness.files.url("kept-whole.bin", query: "key=\(uniqueKey("keepw"))&chunk_bytes=262144"),
        ])
        try harness.start()
        let job = try #require(try harness.waitForJob(id))
        #expect(job.state == .done && job.sha256 == expected, "\(job.lastError ?? "") \(harness.logs.text)")

        #expect(harness.waitUntil(timeout: 5) { samples.all.count == 7 })
        let seen = samples.all
        #expect(seen.count == 7)
        // The last one's comes after the file went into the archive.
        for sample in seen.dropLast() {
            #expect(sample.firstData == 0 && sample.allocated >= sample.size - 4096,
                    "part \(sample.part): \(sample.allocated) bytes on the disk for \(sample.size), data from \(sample.firstData)")
        }
        #expect(seen.contains { $0.bytesDone > (Int64($0.part) + 2) * Self.partSize + Self.slack },
                "the download was held back: \(seen.map(\.bytesDone))")
        #expect(job.bytesReleased == 0)
        #expect(try harness.ledger.objectUploadParts(taskID: id).allSatisfy { $0.sha256Midstate == nil })
        let day = String(harness.keyFolder().dropFirst(harness.prefix.count))
        #expect(try FileServer.sha256(of: harness.directory.file("archive/\(day)\(id).mp4")) == expected)
        #expect(try harness.downloadedSHA256(harness.keyFolder() + id + ".mp4") == expected)
    }

    @Test("a store that refuses after part 1: the download is not held back, the rest stays on the disk; fixed, it resumes from part 1's state")
    func refusedStoreLiftsTheHold() throws {
        let harness = try BucketHarness()
        let size = 5 * Int(Self.partSize) + 999
        let expected = try harness.files.makeFile("refused-mid.bin", size: size)
        let id = "task-unified-1761313744-refus001"
        let key = uniqueKey("refused")
        let clients = harness.clients
        let wrong = try BucketHarness.client(harness.moto, secret: "aWrongSecretForTheSecondPart0123456789ab")
        let samples = Notes<Sample>()
        harness.observer = Self.slowPump(harness, task: id, pause: 0.1, samples: samples) { number in
            if number == 1 { clients.replace(with: wrong) }
        }
        try harness.addCompletedTask(id, results: [harness.files.url("refused-mid.bin", query: "key=\(key)&chunk_bytes=262144")])
        try harness.start()
        #expect(try harness.waitUntil {
            try harness.ledger.downloadJob(taskID: id)?.lastError?.contains("SignatureDoesNotMatch") == true
        }, "\(harness.logs.text)")
        // Whole on the disk but part 1, which the bucket holds.
        let waiting = try #require(try harness.ledger.downloadJob(taskID: id))
        #expect(waiting.state == .queued && waiting.bytesDone == Int64(size) && waiting.bytesReleased == Self.partSize)
        let partial = harness.directory.file("archive/.partial/\(id).0.part")
        let onDisk = Self.sample(partial, part: 0, bytesDone: waiting.bytesDone)
        #expect(onDisk.size == Int64(size) && onDisk.firstData == Self.partSize)
        #expect(onDisk.allocated >= Int64(size) - Self.partSize - 4096, "\(onDisk.allocated) of \(size)")
        #expect(try harness.ledger.objectUploadParts(taskID: id).count == 1)

        clients.replace(with: try BucketHarness.client(harness.moto))
        try #require(harness.archive).retryWaitingJobsNow()
        harness.service?.wake()
        let job = try #require(try harness.waitForJob(id))
        #expect(job.state == .done && job.sha256 == expected, "\(job.lastError ?? "") \(harness.logs.text)")
        let resumed = harness.logs.events("download.digest_resumed", task: id)
        #expect(resumed.last?.metadata["from_bytes"] == "\(Self.partSize)", "\(harness.logs.text)")
        #expect(harness.logs.events("download.restarted", task: id).isEmpty)
        #expect(harness.files.requests(key: key).count == 1, "the video was fetched once")
        #expect(try harness.downloadedSHA256(harness.keyFolder() + id + ".mp4") == expected)
    }

    @Test("a store slower than the hold limit: the download goes on unheld for the rest of the attempt, logged")
    func holdLimit() throws {
        let harness = try BucketHarness { $0.holdLimit = .milliseconds(300) }
        let size = 5 * Int(Self.partSize) + 777
        let expected = try harness.files.makeFile("hold-limit.bin", size: size)
        let id = "task-unified-1761313744-holdl001"
        let samples = Notes<Sample>()
        harness.observer = Self.slowPump(harness, task: id, pause: 1, samples: samples)
        try harness.addCompletedTask(id, results: [
            harness.files.url("hold-limit.bin", query: "key=\(uniqueKey("holdl"))&chunk_bytes=262144"),
        ])
        try harness.start()
        let job = try #require(try harness.waitForJob(id))
        #expect(job.state == .done && job.sha256 == expected, "\(job.lastError ?? "") \(harness.logs.text)")
        // Part 1's hook held the pump 1 s, past the 0.3 s limit: the download went to its end.
        #expect(samples.all.first?.bytesDone == Int64(size), "\(samples.all.map(\.bytesDone))")
        #expect(harness.logs.events("upload.behind", task: id).count == 1, "\(harness.logs.text)")
        #expect(try harness.downloadedSHA256(harness.keyFolder() + id + ".mp4") == expected)
    }

    @Test("released parts the store no longer matches: nothing is built from the released bytes, the video is downloaded again")
    func releasedPartsLostInTheStore() throws {
        let first = try BucketHarness()
        let size = 3 * Int(Self.partSize) + 4096
        let expected = try first.files.makeFile("lost-parts.bin", size: size)
        let id = "task-unified-1761313744-lostp001"
        let key = uniqueKey("lost")
        let recorded = Notes<Int>()
        first.observer = ObjectArchiveObserver(partRecorded: { _, number, _ in recorded.append(number) })
        try first.addCompletedTask(id, results: [
            first.files.url("lost-parts.bin", query: "key=\(key)&chunk_bytes=1048576&pace=0.3"),
        ])
        try first.start()
        #expect(first.waitUntil { recorded.all.contains(1) }, "\(first.logs.text)")
        #expect(first.stop())
        let stopped = try #require(try first.ledger.downloadJob(taskID: id))
        #expect(stopped.bytesReleased >= Self.partSize && stopped.bytesDone < Int64(size))
        let upload = try #require(try first.ledger.objectUpload(taskID: id))
        let uploadID = try #require(upload.uploadID)
        // The store's part 1 is no longer the one the ledger recorded: another program
        // sent other bytes under the same upload id and part number.
        _ = try first.moto.boto3("""
            s3.upload_part(Bucket=argv[1], Key=argv[2], UploadId=argv[3], PartNumber=1, Body=b"x" * 5242880)
            """, arguments: [SharedBucket.name, upload.key, uploadID])

        let second = try BucketHarness(restarting: first)
        try second.start()
        let job = try #require(try second.waitForJob(id))
        #expect(job.state == .done && job.sha256 == expected, "\(job.lastError ?? "") \(second.logs.text)")
        #expect(second.logs.events("upload.retry", task: id).first?.metadata["reason"]?.contains("released") == true,
                "\(second.logs.text)")
        let restarted = second.logs.events("download.restarted", task: id)
        #expect(restarted.count == 1 && restarted.first?.metadata["reason"]?.contains("released") == true,
                "\(second.logs.text)")
        let final = try #require(try second.ledger.objectUpload(taskID: id))
        #expect(final.uploadID != uploadID && final.state == .verified)
        let objectKey = second.keyFolder() + id + ".mp4"
        #expect(try second.downloadedSHA256(objectKey) == expected)
        #expect(try second.head(objectKey).ChecksumSHA256 == base64OfHex(expected))
        #expect(try second.openUploads().isEmpty)
    }
}
