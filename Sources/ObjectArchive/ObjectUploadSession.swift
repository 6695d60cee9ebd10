import Archive
import Downloader
import Foundation
import Glibc
import HTTPClient
import Hashing
import Ledger
import Logging
import ObjectStore

/// One attempt of one job archived to the bucket. While the video downloads its part
/// pump sends the durable parts; ``finish(_:)`` then, on the worker's thread:
///
/// 1. the last part and CompleteMultipartUpload (or one PutObject for a video of at most
///    one part, with both metadata fields);
/// 2. the SHA-256 as `x-amz-meta-sha256`: CopyObject onto itself (a multipart upload's
///    metadata is fixed before its digest exists, see docs/object-storage.md);
/// 3. HeadObject: size, task id and SHA-256 must be ours, or nothing is archived;
/// 4. the further results and the sidecar (naming the object) as objects beside it;
/// 5. with `keep_local`, the files into the file archive as well;
/// 6. the job done in the ledger with `video.archived` naming the object; the local files
///    removed (unless kept).
///
/// A restart resumes from the ledger: a recorded upload whose parts are all within the
/// durable bytes on disk goes on after ListParts confirmed them, and the download's digest
/// from the state recorded with its last part (those parts' bytes may be released from
/// the disk); a completed one is only verified. Any refusal of the store makes the job
/// wait (with backoff, the video on disk), logged as `upload.retry` with the store's
/// sentence for the operator.
final class ObjectUploadSession: ArchiveSession {
    private let archive: BucketArchive
    private let job: ArchiveJob
    /// Nil when no key can be made of the task id (it is checked before, so never).
    private let target: UploadTarget?
    private let keys: ObjectKeyLayout
    private var pump: PartPump?
    private var path: String?
    /// The ledger says the object exists already (completed, not yet verified).
    private var completedBefore = false
    /// The ledger holds a single PutObject begun before a restart.
    private var singleBegun = false
    private var openFailure: UploadFailure?
    /// Uploaded parts are released from the partial file (not with `s3.keep_local`, never
    /// from a file already in the archive).
    private var releases = false
    /// The part size of this attempt's upload: a resumed upload's own, else the setting's.
    /// The downloader's marks are this far apart.
    private var partSize: Int64
    /// The failure this session ended the attempt with: `end(.retrying)` records it.
    private var failedHere: UploadFailure?
    private var contentType: String?

    init(archive: BucketArchive, job: ArchiveJob) {
        self.archive = archive
        self.job = job
        let keys = ObjectKeyLayout(prefix: archive.configuration.prefix)
        self.keys = keys
        partSize = archive.configuration.partSize
        let client = archive.clients.client
        target = (try? keys.videoKey(taskID: job.taskID, createdUnixSeconds: job.createdUnixSeconds)).map {
            UploadTarget(taskID: job.taskID, bucket: client.endpoint.bucket, key: $0, ledger: archive.ledger,
                         clients: archive.clients, configuration: archive.configuration, observer: archive.observer,
                         logger: job.logger)
        }
    }

    // MARK: While the video downloads

    /// The bytes the recorded parts hold, when the partial file can be made again from
    /// them: a multipart upload of this object still `uploading`, its parts 1…k whole and
    /// without a gap, the last recorded with the digest's state at its end (a job taken
    /// over from an instance on another host resumes there, the same upload id, ListParts
    /// confirming the parts). Never with `s3.keep_local` (the kept file must be whole):
    /// then, or with anything else, 0 and the download starts over.
    func heldPrefix() -> Int64 {
        guard let target, !archive.configuration.keepLocal else { return 0 }
        do {
            guard let record = try archive.ledger.objectUpload(taskID: job.taskID), record.uploadID != nil,
                  record.state == .uploading, record.bucket == target.bucket, record.key == target.key else { return 0 }
            let parts = try archive.ledger.objectUploadParts(taskID: job.taskID)
            let end = parts.reduce(Int64(0)) { $0 + $1.bytes }
            guard !parts.isEmpty, parts.enumerated().allSatisfy({ $0.offset + 1 == $0.element.number }),
                  parts.allSatisfy({ $0.bytes == record.partSize }),
                  let state = Self.lastState(of: parts), state.byteCount == end else { return 0 }
            return end
        } catch {
            return 0
        }
    }

    func videoOpened(path: String, durableBytes: Int64, releasable: Bool) -> VideoOpening {
        self.path = path
        releases = releasable && !archive.configuration.keepLocal
        guard let target else { return VideoOpening() }
        var resumed: PartPump.Upload?
        var recordedParts = 0
        var digestState: SHA256Midstate?
        do {
            if let record = try archive.ledger.objectUpload(taskID: job.taskID) {
                if record.bucket != target.bucket || record.key != target.key {
                    target.abandon(reason: "the settings now name \(target.url), not \(record.url)")
                } else if record.state != .uploading {
                    // The object exists; the end only verifies it, with the digest its parts recorded.
                    completedBefore = true
                    let parts = try archive.ledger.objectUploadParts(taskID: job.taskID)
                    return VideoOpening(digestState: releases ? Self.lastState(of: parts) : nil)
                } else if let uploadID = record.uploadID {
                    let parts = try archive.ledger.objectUploadParts(taskID: job.taskID)
                    if Self.partsHold(parts, partSize: record.partSize, durableBytes: durableBytes) {
                        resumed = PartPump.Upload(id: uploadID, partSize: record.partSize)
                        recordedParts = parts.count
                        partSize = record.partSize
                        digestState = Self.lastState(of: parts)
                    } else {
                        target.abandon(reason: "its recorded parts are not all within the \(durableBytes) durable bytes on disk")
                    }
                } else {
                    singleBegun = true
                    return VideoOpening()
                }
            }
        } catch {
            openFailure = UploadFailure(ledger: error)
            return VideoOpening()
        }
        // With keep_local nothing is released: the digest is read from the whole file.
        let offered = releases ? digestState : nil
        startPump(path: path, durable: durableBytes, resumed: resumed, recordedParts: recordedParts,
                  unreadableBelow: offered?.byteCount ?? 0)
        return VideoOpening(digestState: offered, markInterval: releases ? partSize : nil)
    }

    /// The digest's state at the end of the last part recorded with one (parts 1...k run
    /// without a gap: ``partsHold``), when it is the state of exactly those bytes.
    static func lastState(of parts: [ObjectUploadPart]) -> SHA256Midstate? {
        var end: Int64 = 0
        var found: SHA256Midstate?
        for part in parts {
            end += part.bytes
            if let state = part.sha256Midstate.flatMap(SHA256Midstate.init(encoded:)), state.byteCount == end {
                found = state
            }
        }
        return found
    }

    /// Parts 1...k, each a whole part but perhaps the last when it ends the file, all
    /// within the bytes a crash cannot take back: else the disk no longer holds what
    /// was sent, and the upload starts over.
    static func partsHold(_ parts: [ObjectUploadPart], partSize: Int64, durableBytes: Int64) -> Bool {
        var end: Int64 = 0
        for (index, part) in parts.enumerated() {
            guard part.number == index + 1 else { return false }
            let isLast = index == parts.count - 1
            guard part.bytes == partSize || (isLast && part.bytes > 0 && end + part.bytes == durableBytes) else { return false }
            end += part.bytes
        }
        return end <= durableBytes
    }

    private func startPump(path: String, durable: Int64, resumed: PartPump.Upload?, recordedParts: Int,
                           unreadableBelow: Int64) {
        guard let target else { return }
        let pump = PartPump(target: target, path: path, durable: durable, resumed: resumed, recordedParts: recordedParts,
                            partSize: partSize, releases: releases, unreadableBelow: unreadableBelow)
        pump.contentType(contentType)
        pump.start()
        self.pump = pump
    }

    func responseStarted(contentType: String?, offset: Int64) {
        self.contentType = contentType
        pump?.contentType(contentType)
        if let pump, offset < pump.uploadedEnd { willDiscard() }
    }

    func willDiscard() {
        guard let target, let path else { return }
        pump?.stop()
        pump = nil
        if completedBefore || singleBegun || (try? archive.ledger.objectUpload(taskID: job.taskID)) != nil {
            target.abandon(reason: "the video is downloaded again from its first byte (it changed on the server)")
        }
        completedBefore = false
        singleBegun = false
        startPump(path: path, durable: 0, resumed: nil, recordedParts: 0, unreadableBelow: 0)
    }

    /// Hands the pump the durable bytes and the digest's states, then holds the download
    /// while the pump is more than a part behind (back-pressure; see
    /// ``PartPump/waitForRoom(durable:isCancelled:)``).
    func durable(bytes: Int64, digestStates: [SHA256Midstate]) {
        guard let pump else { return }
        pump.durable(bytes, states: digestStates)
        pump.waitForRoom(durable: bytes, isCancelled: { job.canceller.isCancelled })
    }

    // MARK: The end

    func finish(_ download: ArchivableDownload) throws(ArchiveFailure) -> String {
        guard let target else {
            throw ArchiveFailure(.permanent, "no object key can be made of task id \(job.taskID)")
        }
        let video = download.video
        let started = Date()
        let object: ArchivedObject
        let sidecarKey: String
        let sidecar: ArchiveSidecar
        do throws(UploadFailure) {
            if let openFailure { throw openFailure }
            if !completedBefore { try upload(video, target: target) }
            let info = try verify(video, target: target)
            object = ArchivedObject(bucket: target.bucket, key: target.key, etag: info.etag, versionID: info.versionID)
            let extraNames = try uploadExtras(download, target: target)
            sidecar = download.sidecar(
                videoFile: (target.key as NSString).lastPathComponent, extraFiles: extraNames,
                object: object)
            sidecarKey = try checkedKey { () throws(UnsafeArchiveName) in
                try keys.sidecarKey(taskID: job.taskID, createdUnixSeconds: job.createdUnixSeconds)
            }
            try putSidecar(sidecar, key: sidecarKey, target: target)
        } catch {
            throw failed(error, target: target)
        }
        if archive.configuration.keepLocal {
            let files = FilesystemArchive(archiveDirectory: archive.configuration.archiveDirectory, ledger: archive.ledger)
            do {
                _ = try files.place(download, object: sidecar.object)
            } catch {
                failedHere = UploadFailure(error.reason)
                throw error
            }
        }
        do {
            try archive.ledger.markDownloadDone(taskID: job.taskID, object: object, sha256: video.sha256, bytes: video.bytes,
                                                sidecarURL: ArchivedObject.url(bucket: target.bucket, key: sidecarKey))
        } catch {
            // The object is verified and in the bucket: the next attempt finds it so and
            // only records it. The local files stay for that attempt.
            throw failed(UploadFailure(ledger: error), target: target)
        }
        if !archive.configuration.keepLocal {
            try? ArchiveFileSystem.remove(video.path)
            for extra in download.extras { try? ArchiveFileSystem.remove(extra.path) }
        }
        abortStrays(target: target)
        archive.waiting.remove(job.taskID)
        archive.observer.archived(video.bytes)
        job.logger.info("upload.done", metadata: [
            "url": "\(object.url)", "bytes": "\(video.bytes)", "sha256": "\(video.sha256)", "etag": "\(object.etag)",
            "version_id": "\(object.versionID ?? "none")", "extra_files": "\(download.extras.count)",
            "seconds": "\(String(format: "%.3f", Date().timeIntervalSince(started)))",
            "kept_local": "\(archive.configuration.keepLocal)",
        ])
        return object.url
    }

    /// The failure as the job's: a stop is a stop; a store that refused makes the job
    /// wait; an upload that cannot go on is dropped first, so the next attempt starts anew.
    private func failed(_ failure: UploadFailure, target: UploadTarget) -> ArchiveFailure {
        if job.canceller.isCancelled { return ArchiveFailure(.stopped, "the daemon is stopping") }
        if failure.startsOver { target.abandon(reason: failure.reason) }
        failedHere = failure
        return failure.archiveFailure
    }

    private func checkedKey(_ make: () throws(UnsafeArchiveName) -> String) throws(UploadFailure) -> String {
        do {
            return try make()
        } catch {
            throw UploadFailure(error.description, disposition: .failed)
        }
    }

    // MARK: Steps

    /// Steps 1: the upload ends `completed` in the ledger.
    private func upload(_ video: ArchivableDownload.Video, target: UploadTarget) throws(UploadFailure) {
        guard let pump else {
            try putWhole(video, target: target)
            return
        }
        switch pump.finish(total: video.bytes, isCancelled: { job.canceller.isCancelled }) {
        case .stopped:
            throw UploadFailure("the daemon is stopping")
        case .failed(let failure):
            throw failure
        case .noUpload:
            try putWhole(video, target: target)
        case .allParts(let upload):
            try complete(upload, video: video, target: target)
        case .uploadGone(let upload):
            try decideGone(upload, video: video, target: target)
        }
    }

    /// A video of at most one part: one PutObject with both metadata fields. After a
    /// restart, an object already there with our size and digest is not sent again.
    private func putWhole(_ video: ArchivableDownload.Video, target: UploadTarget) throws(UploadFailure) {
        let client = archive.clients.client
        if singleBegun, let info = try? client.headObject(key: target.key, canceller: job.canceller), isOurs(info, video: video, target: target) {
            try markCompleted(bytes: video.bytes)
            return
        }
        do {
            if try archive.ledger.objectUpload(taskID: job.taskID) == nil {
                _ = try archive.ledger.beginObjectUpload(taskID: job.taskID, bucket: target.bucket, key: target.key,
                                                         uploadID: nil, partSize: archive.configuration.partSize,
                                                         bytesTotal: video.bytes)
            }
        } catch {
            throw UploadFailure(ledger: error)
        }
        job.logger.info("upload.started", metadata: ["url": "\(target.url)", "mode": "single", "bytes": "\(video.bytes)"])
        let fd = try open(video.path)
        defer { Glibc.close(fd) }
        do {
            try client.putObject(key: target.key, file: FileRangeBody(fd: fd, offset: 0, length: video.bytes),
                                 contentType: video.contentType, metadata: target.metadata(sha256: video.sha256),
                                 storageClass: archive.configuration.storageClass, canceller: job.canceller)
        } catch {
            target.noteFailure(UploadFailure(error), step: "put")
            throw UploadFailure(error)
        }
        archive.observer.bytesUploaded(video.bytes)
        try markCompleted(bytes: video.bytes)
    }

    private func complete(_ upload: PartPump.Upload, video: ArchivableDownload.Video,
                          target: UploadTarget) throws(UploadFailure) {
        let parts: [S3UploadedPart]
        do {
            try archive.ledger.setObjectUploadBytesTotal(taskID: job.taskID, bytesTotal: video.bytes)
            parts = try archive.ledger.objectUploadParts(taskID: job.taskID).map {
                S3UploadedPart(partNumber: $0.number, etag: $0.etag, size: $0.bytes, checksumSHA256: $0.checksumSHA256)
            }
        } catch {
            throw UploadFailure(ledger: error)
        }
        do {
            try archive.clients.client.completeMultipartUpload(key: target.key, uploadID: upload.id, parts: parts,
                                                                canceller: job.canceller)
        } catch where error.code == "NoSuchUpload" {
            try decideGone(upload, video: video, target: target)
            return
        } catch {
            target.noteFailure(UploadFailure(error), step: "complete")
            throw UploadFailure(error)
        }
        job.logger.info("upload.completed", metadata: ["upload_id": "\(upload.id)", "parts": "\(parts.count)"])
        try markCompleted(bytes: video.bytes)
    }

    /// The store no longer knows the upload. Either a crash came between its completion
    /// and the ledger's record (the object is there, ours: go on), or it was aborted (a
    /// lifecycle rule, an operator): the next attempt starts a new one.
    private func decideGone(_ upload: PartPump.Upload, video: ArchivableDownload.Video,
                            target: UploadTarget) throws(UploadFailure) {
        let info: S3ObjectInfo
        do {
            info = try archive.clients.client.headObject(key: target.key, canceller: job.canceller)
        } catch where error.code == "NotFound" {
            throw UploadFailure("multipart upload \(upload.id) is gone and no object took its place; a new upload starts",
                                disposition: .failed)
        } catch {
            throw UploadFailure(error)
        }
        guard info.size == video.bytes, info.metadata["task-id"] == job.taskID else {
            throw UploadFailure("multipart upload \(upload.id) is gone and \(target.url) holds \(info.size) bytes of "
                                + "task \(info.metadata["task-id"] ?? "unknown"); a new upload starts", disposition: .failed)
        }
        job.logger.notice("upload.found_completed", metadata: ["upload_id": "\(upload.id)", "url": "\(target.url)"])
        do {
            try archive.ledger.setObjectUploadBytesTotal(taskID: job.taskID, bytesTotal: video.bytes)
        } catch {
            throw UploadFailure(ledger: error)
        }
        try markCompleted(bytes: video.bytes)
    }

    private func markCompleted(bytes: Int64) throws(UploadFailure) {
        do {
            try archive.ledger.markObjectUploadCompleted(taskID: job.taskID)
        } catch {
            throw UploadFailure(ledger: error)
        }
    }

    /// Steps 2 and 3: the digest in the metadata, then HeadObject must show the size, the
    /// task id and the digest. A digest there that is not ours means other bytes: the
    /// upload starts over rather than archive them.
    private func verify(_ video: ArchivableDownload.Video, target: UploadTarget) throws(UploadFailure) -> S3ObjectInfo {
        let client = archive.clients.client
        var info = try head(target: target)
        if info.metadata["sha256"] == nil, info.size == video.bytes, info.metadata["task-id"] == job.taskID {
            guard video.bytes <= S3Client.maxCopyBytes else {
                throw UploadFailure("\(target.url) is \(video.bytes) bytes, over CopyObject's 5 GiB, so its SHA-256 cannot "
                                    + "be added as metadata: lower download.max_bytes to 5 GiB", disposition: .needsOperator)
            }
            let copied: S3UploadResult
            do {
                copied = try client.copyObject(key: target.key, replacingMetadata: target.metadata(sha256: video.sha256),
                                               contentType: video.contentType,
                                               storageClass: archive.configuration.storageClass,
                                               canceller: job.canceller)
            } catch {
                target.noteFailure(UploadFailure(error), step: "copy")
                throw UploadFailure(error)
            }
            // The copy's checksum is the store's own digest of every byte it holds: when it
            // answers one, it must be ours.
            if let stored = copied.checksumSHA256, stored != Self.base64(hex: video.sha256) {
                throw UploadFailure("""
                    the store's SHA-256 of \(target.url) is \(stored) (base64), not the download's \(video.sha256); \
                    it is uploaded again
                    """, disposition: .failed)
            }
            info = try head(target: target)
        }
        guard isOurs(info, video: video, target: target) else {
            throw UploadFailure("""
                HeadObject shows \(target.url) with \(info.size) bytes, task id \(info.metadata["task-id"] ?? "none") and \
                sha256 \(info.metadata["sha256"] ?? "none"), not \(video.bytes) bytes of \(job.taskID) with sha256 \
                \(video.sha256); it is uploaded again
                """, disposition: .failed)
        }
        return info
    }

    /// A hex digest as `x-amz-checksum-sha256` writes it (base64 of the bytes).
    static func base64(hex: String) -> String {
        var bytes: [UInt8] = []
        var high: UInt8?
        for character in hex.utf8 {
            let value: UInt8
            switch character {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = character - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = character - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): value = character - UInt8(ascii: "A") + 10
            default: return ""
            }
            if let first = high {
                bytes.append(first << 4 | value)
                high = nil
            } else {
                high = value
            }
        }
        return Data(bytes).base64EncodedString()
    }

    private func head(target: UploadTarget) throws(UploadFailure) -> S3ObjectInfo {
        do {
            return try archive.clients.client.headObject(key: target.key, canceller: job.canceller)
        } catch {
            target.noteFailure(UploadFailure(error), step: "head")
            throw UploadFailure(error)
        }
    }

    private func isOurs(_ info: S3ObjectInfo, video: ArchivableDownload.Video, target: UploadTarget) -> Bool {
        info.size == video.bytes && info.metadata["task-id"] == job.taskID && info.metadata["sha256"] == video.sha256
    }

    /// Step 4, the further results: `<task-id>.<n>.<ext>` beside the video. Returns each
    /// one's name by index, for the sidecar.
    private func uploadExtras(_ download: ArchivableDownload, target: UploadTarget) throws(UploadFailure) -> [Int: String] {
        var names: [Int: String] = [:]
        for extra in download.extras {
            let key = try checkedKey { () throws(UnsafeArchiveName) in
                try keys.extraKey(taskID: job.taskID, createdUnixSeconds: job.createdUnixSeconds, index: extra.index,
                                  fileExtension: extra.fileExtension)
            }
            let fd = try open(extra.path)
            defer { Glibc.close(fd) }
            do {
                try archive.clients.client.putObject(
                    key: key, file: FileRangeBody(fd: fd, offset: 0, length: extra.bytes), contentType: extra.contentType,
                    metadata: target.metadata(sha256: extra.sha256), storageClass: archive.configuration.storageClass,
                    canceller: job.canceller)
            } catch {
                target.noteFailure(UploadFailure(error), step: "result \(extra.index)")
                throw UploadFailure(error)
            }
            archive.observer.bytesUploaded(extra.bytes)
            names[extra.index] = (key as NSString).lastPathComponent
        }
        return names
    }

    private func putSidecar(_ sidecar: ArchiveSidecar, key: String, target: UploadTarget) throws(UploadFailure) {
        let body = sidecar.encoded()
        let digest = SHA256Digest()
        digest.update(body)
        do {
            try archive.clients.client.putObject(key: key, body: body, contentType: "application/json",
                                                  metadata: target.metadata(sha256: digest.finishHex()),
                                                  storageClass: archive.configuration.storageClass,
                                                  canceller: job.canceller)
        } catch {
            target.noteFailure(UploadFailure(error), step: "sidecar")
            throw UploadFailure(error)
        }
    }

    private func open(_ path: String) throws(UploadFailure) -> Int32 {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw UploadFailure("cannot open \(path) to upload it: \(String(cString: strerror(errno)))") }
        return fd
    }

    /// Multipart uploads still open under this video's key once its object is archived.
    /// A CreateMultipartUpload whose answer was lost (its connection cut by a stop or a
    /// restart of the download) may have made one the ledger never heard of; the key is
    /// this task's alone, so each is a stray. Aborted now rather than left to the sweep
    /// at the next start (and stored, and billed, until then). Best effort.
    private func abortStrays(target: UploadTarget) {
        let client = archive.clients.client
        guard let open = try? client.listMultipartUploads(prefix: target.key) else { return }
        for upload in open where upload.key == target.key {
            if (try? client.abortMultipartUpload(key: upload.key, uploadID: upload.uploadID)) != nil {
                job.logger.notice("upload.stray_aborted", metadata: ["upload_id": "\(upload.uploadID)",
                                                                     "initiated": "\(upload.initiated)"])
            }
        }
    }

    // MARK: After the attempt

    func end(_ ending: ArchiveSessionEnding) {
        pump?.stop()
        pump = nil
        switch ending {
        case .retrying(let at, let reason):
            guard failedHere != nil else { return }
            archive.waiting.insert(job.taskID)
            try? archive.ledger.scheduleObjectUploadRetry(taskID: job.taskID, reason: reason, nextAttemptAt: at)
            job.logger.warning("upload.retry", metadata: ["reason": "\(reason)", "attempt": "\(job.attempt)",
                                                          "next_attempt": "\(UTCTime.format(at))"])
        case .failed(let reason):
            archive.waiting.remove(job.taskID)
            target?.abandon(reason: "the download failed: \(reason)")
        case .done, .stopped:
            break
        }
    }
}
