import Archive
import Foundation
import Glibc
import Hashing
import HTTPClient
import Ledger
import Lifecycle
import Logging
import ObjectStore
import Synchronization

/// The multipart upload of one video while it downloads: on its own thread, part N goes
/// as soon as the downloader's checkpoints say its bytes are durable (fsynced and in
/// the ledger), and is recorded in the ledger before part N+1 is sent. The upload is
/// created once more than one part's bytes are durable (a video of at most one part is
/// one PutObject, which the session sends at the end). A resumed upload is first
/// checked against the store's own list of its parts.
///
/// When it releases (`releases`: the partial file, without `s3.keep_local`), each part is
/// recorded with the video digest's state at its end (from the downloader's marks), then
/// the job's `bytes_released`, and only then are its bytes given back to the file system
/// (``ArchiveFileSystem/releaseBytes(fd:path:offset:length:)``). The downloader's
/// checkpoints wait in ``waitForRoom(durable:isCancelled:)`` while more than one whole
/// part is durable and not yet released: the file holds the part being sent and the one
/// being written, about two parts.
///
/// The pump never fails the download: when the store refuses for good (or passing
/// troubles outlast `partRetryDelays`) it keeps the failure, stops holding the download
/// back (the rest of the video is fetched and kept on the disk, because the link expires
/// and the store may be back hours later) and waits; the session reports it when the
/// download has ended. A store too slow to record a part within `holdLimit` also stops
/// holding the download back, for the rest of the attempt.
final class PartPump: @unchecked Sendable {
    // @unchecked: `state` is only touched holding `condition`; `fd` is set in init and
    // closed by `stop()` after the thread has left; `thread` is set and cleared by the
    // worker's thread only (`start`, `stop`), which is also the one that reads it.

    struct Upload: Equatable {
        var id: String
        var partSize: Int64
    }

    /// Where the pump stands once the video's length is known.
    enum Ending {
        /// Every part is recorded: the upload can be completed.
        case allParts(Upload)
        /// No multipart upload was needed (at most one part): the session PUTs it.
        case noUpload
        /// ListParts said NoSuchUpload: a crash may have come between the completion and
        /// its record; HeadObject decides.
        case uploadGone(Upload)
        case failed(UploadFailure)
        case stopped
    }

    private struct State {
        var durable: Int64
        var total: Int64?
        var contentType: String?
        var upload: Upload?
        /// A resumed upload's recorded parts were checked against ListParts.
        var reconciled: Bool
        var nextPart: Int
        var uploadGone = false
        var failure: UploadFailure?
        var retriesUsed = 0
        var stopping = false
        /// Parts' bytes are released once recorded; false from the start with
        /// `s3.keep_local`, and once the file system refused.
        var releases: Bool
        /// The video digest's states at the part ends not yet recorded, by byte count.
        var digestStates: [Int64: SHA256Midstate] = [:]
        /// The download is held back while the pump is behind; false for the rest of the
        /// attempt once the store was slower than `holdLimit`.
        var holds = true
    }

    private enum Work {
        case create
        case reconcile(Upload)
        case part(Upload, number: Int, offset: Int64, length: Int64)
    }

    private static let threadNumbers = Atomic<Int>(0)

    private let target: UploadTarget
    private let condition = NSCondition()
    private var state: State
    private let canceller = ConnectionCanceller()
    private let path: String
    private let fd: Int32
    private var closed = false
    private var thread: NamedThread?
    /// The part size of a new upload (a resumed one keeps its own): the downloader's marks.
    private let partSize: Int64
    /// The file's bytes before this were not read by this attempt (its digest resumed
    /// from a state there) and may be released: no part is ever built from them.
    private let unreadableBelow: Int64

    /// - Parameters:
    ///   - path: the video's file, read part by part (never past `durable`).
    ///   - resumed: an upload the ledger holds whose recorded parts (the first
    ///     `recordedParts`) are within the durable bytes; checked with ListParts first.
    ///   - partSize: for a new upload; the downloader's marks are this far apart.
    ///   - releases: release each part's bytes once recorded (the partial file, without
    ///     `s3.keep_local`), and hold the download back to about two parts on the disk.
    ///   - unreadableBelow: the bytes before this may be released already.
    init(target: UploadTarget, path: String, durable: Int64, resumed: Upload?, recordedParts: Int, partSize: Int64,
         releases: Bool, unreadableBelow: Int64) {
        self.target = target
        self.path = path
        self.partSize = partSize
        self.unreadableBelow = unreadableBelow
        state = State(durable: durable, upload: resumed, reconciled: resumed == nil,
                      nextPart: resumed == nil ? 1 : recordedParts + 1, releases: releases)
        // Releasing needs the file open for writing; only reads go through this descriptor.
        var fd = Glibc.open(path, (releases ? O_RDWR : O_RDONLY) | O_CLOEXEC)
        if fd < 0, releases {
            target.logger.warning("upload.release_unsupported", metadata: [
                "reason": "cannot open \(path) for writing: \(String(cString: strerror(errno)))",
                "action": "the partial file stays whole until the object is archived",
            ])
            state.releases = false
            fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        }
        self.fd = fd
        if fd < 0 {
            state.failure = UploadFailure("cannot open \(path) to upload it: \(String(cString: strerror(errno)))")
        }
    }

    /// Starts the thread; without one (the system refused), the session drives the pump
    /// on its own thread at the end instead.
    func start() {
        let number = Self.threadNumbers.add(1, ordering: .relaxed).newValue
        do {
            thread = try NamedThread.start("vh-upload-\(number)") { [self] in runThread() }
        } catch {
            target.logger.warning("upload.no_thread", metadata: ["reason": "\(error)",
                                                                 "action": "parts go when the download has ended"])
        }
    }

    /// The file's first `bytes` are durable; `states` are the video digest's states at the
    /// part ends the download passed since the last call.
    func durable(_ bytes: Int64, states: [SHA256Midstate] = []) {
        update { state in
            state.durable = max(state.durable, bytes)
            for digestState in states { state.digestStates[digestState.byteCount] = digestState }
        }
    }

    /// Back-pressure, on the worker's thread after a checkpoint at `durable`: waits while
    /// more than one whole part of the durable bytes is not yet recorded and released, so
    /// the download runs at most about a part ahead of the part on its way, and the file
    /// holds about two parts. Returns at once when the pump cannot catch up (it keeps a
    /// failure: the bound is lifted for this attempt; it stops, its upload is gone, it has
    /// no thread, it does not release, or the next part's digest state is missing), and as
    /// soon as `isCancelled` says so. After `holdLimit` without a part recorded it stops
    /// holding the download back for the rest of the attempt (logged once).
    func waitForRoom(durable: Int64, isCancelled: () -> Bool) {
        guard thread != nil else { return }
        let limit = target.configuration.holdLimit.components
        let holdSeconds = Double(limit.seconds) + Double(limit.attoseconds) / 1e18
        condition.lock()
        defer { condition.unlock() }
        var progress = (part: state.nextPart, at: Date())
        while state.holds, state.releases, !state.stopping, state.failure == nil, !state.uploadGone, !isCancelled() {
            let wholeParts = durable / (state.upload?.partSize ?? partSize)
            let recorded: Int64 = state.upload != nil && state.reconciled ? Int64(state.nextPart - 1) : 0
            guard recorded < wholeParts - 1 else { return }
            if let upload = state.upload, state.reconciled,
               state.digestStates[Int64(state.nextPart) * upload.partSize] == nil { return }
            if state.nextPart != progress.part { progress = (state.nextPart, Date()) }
            if Date().timeIntervalSince(progress.at) >= holdSeconds {
                state.holds = false
                target.logger.warning("upload.behind", metadata: [
                    "reason": "no part recorded in \(target.configuration.holdLimit); \(durable) bytes durable, \(recorded) parts recorded",
                    "action": "the download is no longer held back in this attempt: the partial file keeps what it downloads until the parts catch up",
                ])
                return
            }
            _ = condition.wait(until: Date(timeIntervalSinceNow: 0.2))
        }
    }

    func contentType(_ type: String?) {
        update { $0.contentType = type }
    }

    /// The bytes handed to the store so far (the end of the last recorded part).
    var uploadedEnd: Int64 {
        condition.lock()
        defer { condition.unlock() }
        guard let upload = state.upload, state.reconciled else { return 0 }
        return Int64(state.nextPart - 1) * upload.partSize
    }

    /// The video is whole at `total` bytes: sends what is left and waits for the last
    /// part, checking `isCancelled` while it waits.
    func finish(total: Int64, isCancelled: () -> Bool) -> Ending {
        update { $0.total = total; $0.durable = max($0.durable, total) }
        if thread == nil {
            while let work = nextWork() { perform(work) }
        }
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let ending = ending() { return ending }
            if isCancelled() {
                condition.unlock()
                stop()
                condition.lock()
                return .stopped
            }
            _ = condition.wait(until: Date(timeIntervalSinceNow: 0.2))
        }
    }

    /// Stops the thread (cutting a part on its way) and waits for it to leave.
    func stop() {
        update { $0.stopping = true }
        canceller.cancel()
        thread?.join()
        thread = nil
        if fd >= 0, !closed { Glibc.close(fd) }
        closed = true
    }

    // MARK: The thread

    private func runThread() {
        while true {
            condition.lock()
            var work = nextWorkLocked()
            while work == nil, !state.stopping {
                condition.wait()
                work = nextWorkLocked()
            }
            condition.unlock()
            guard let work else { return }
            perform(work)
        }
    }

    private func nextWork() -> Work? {
        condition.lock()
        defer { condition.unlock() }
        return nextWorkLocked()
    }

    /// What can be done now, holding the lock; nil: nothing until the next checkpoint.
    private func nextWorkLocked() -> Work? {
        guard !state.stopping, state.failure == nil, !state.uploadGone else { return nil }
        guard let upload = state.upload else {
            // More than one part's bytes: a multipart upload. At most one: one PUT at the end.
            return state.durable > partSize ? .create : nil
        }
        guard state.reconciled else { return .reconcile(upload) }
        guard state.nextPart <= S3Client.partNumbers.upperBound else {
            state.failure = UploadFailure("the video needs more than \(S3Client.partNumbers.upperBound) parts of "
                                          + "\(upload.partSize) bytes: raise s3.part_size", disposition: .needsOperator)
            return nil
        }
        let offset = Int64(state.nextPart - 1) * upload.partSize
        guard offset >= unreadableBelow else {
            state.failure = Self.released(part: state.nextPart)
            return nil
        }
        if let total = state.total {
            guard offset < total else { return nil }
            let length = min(upload.partSize, total - offset)
            return state.durable >= offset + length ? .part(upload, number: state.nextPart, offset: offset, length: length) : nil
        }
        // While the download runs, a part that will be released waits for the digest's
        // state at its end (it comes with the checkpoint that made it durable, or right
        // after a resume's hash); once the length is known, nothing more will come.
        if state.releases, state.digestStates[offset + upload.partSize] == nil { return nil }
        return state.durable >= offset + upload.partSize
            ? .part(upload, number: state.nextPart, offset: offset, length: upload.partSize) : nil
    }

    private static func released(part: Int) -> UploadFailure {
        UploadFailure("""
            part \(part) would have to be sent again, but its bytes were released from the partial file when an \
            earlier upload held them; the video is downloaded again
            """, disposition: .failed)
    }

    /// Holding the lock: the end, once the length is known and nothing is left to do.
    private func ending() -> Ending? {
        if state.stopping { return .stopped }
        if let failure = state.failure { return .failed(failure) }
        guard let total = state.total else { return nil }
        guard let upload = state.upload else {
            return state.durable > partSize ? nil : .noUpload
        }
        if state.uploadGone { return .uploadGone(upload) }
        guard state.reconciled else { return nil }
        return Int64(state.nextPart - 1) * upload.partSize >= total ? .allParts(upload) : nil
    }

    private func update(_ change: (inout State) -> Void) {
        condition.lock()
        change(&state)
        condition.broadcast()
        condition.unlock()
    }

    // MARK: The steps

    private func perform(_ work: Work) {
        let outcome: Result<Void, UploadFailure>
        switch work {
        case .create: outcome = create()
        case .reconcile(let upload): outcome = reconcile(upload)
        case .part(let upload, let number, let offset, let length):
            outcome = send(upload, number: number, offset: offset, length: length)
        }
        guard case .failure(let failure) = outcome else {
            update { $0.retriesUsed = 0 }
            return
        }
        if canceller.isCancelled { return }
        target.noteFailure(failure, step: Self.step(work))
        let delays = target.configuration.partRetryDelays
        condition.lock()
        defer { condition.unlock() }
        guard failure.disposition == .transient, state.retriesUsed < delays.count else {
            state.failure = failure
            condition.broadcast()
            return
        }
        let delay = delays[state.retriesUsed]
        state.retriesUsed += 1
        // Sleeps, but wakes for a stop.
        let (seconds, attoseconds) = delay.components
        let until = Date(timeIntervalSinceNow: Double(seconds) + Double(attoseconds) / 1e18)
        while !state.stopping, condition.wait(until: until) {}
    }

    private static func step(_ work: Work) -> String {
        switch work {
        case .create: "create"
        case .reconcile: "list parts"
        case .part(_, let number, _, _): "part \(number)"
        }
    }

    private func create() -> Result<Void, UploadFailure> {
        let client = target.clients.client
        condition.lock()
        let contentType = state.contentType
        condition.unlock()
        let uploadID: String
        do {
            uploadID = try client.createMultipartUpload(key: target.key, contentType: contentType,
                                                        metadata: target.taskMetadata,
                                                        storageClass: target.configuration.storageClass,
                                                        canceller: canceller)
        } catch {
            return .failure(UploadFailure(error))
        }
        let start: ObjectUploadStart
        do {
            start = try target.ledger.beginObjectUpload(taskID: target.taskID, bucket: target.bucket, key: target.key,
                                                        uploadID: uploadID, partSize: partSize)
        } catch {
            // Unrecorded, it would be a stray: the sweep at start would abort it anyway.
            try? client.abortMultipartUpload(key: target.key, uploadID: uploadID)
            return .failure(UploadFailure(ledger: error))
        }
        switch start {
        case .created:
            update { $0.upload = Upload(id: uploadID, partSize: partSize); $0.reconciled = true; $0.nextPart = 1 }
            target.logger.info("upload.started", metadata: [
                "url": "\(target.url)", "mode": "multipart", "upload_id": "\(uploadID)", "part_size": "\(partSize)",
            ])
        case .resumed(let existing):
            // The ledger already held one (it should not: the session looked first): ours is a stray.
            try? client.abortMultipartUpload(key: target.key, uploadID: uploadID)
            guard let id = existing.uploadID else {
                return .failure(UploadFailure("the ledger holds a single PutObject for \(target.url) already"))
            }
            update { $0.upload = Upload(id: id, partSize: existing.partSize); $0.reconciled = false }
        }
        return .success(())
    }

    /// Keeps the recorded parts when the store has each with the same ETag; otherwise
    /// the upload is not what the ledger says, and a new one starts.
    private func reconcile(_ upload: Upload) -> Result<Void, UploadFailure> {
        let recorded: [ObjectUploadPart]
        do {
            recorded = try target.ledger.objectUploadParts(taskID: target.taskID)
        } catch {
            return .failure(UploadFailure(ledger: error))
        }
        let listed: [S3UploadedPart]
        do {
            listed = try target.clients.client.listParts(key: target.key, uploadID: upload.id, canceller: canceller)
        } catch where error.code == "NoSuchUpload" {
            target.logger.notice("upload.gone", metadata: ["upload_id": "\(upload.id)",
                                                           "action": "HeadObject decides at the end"])
            update { $0.uploadGone = true }
            return .success(())
        } catch {
            return .failure(UploadFailure(error))
        }
        let etags = Dictionary(listed.map { ($0.partNumber, $0.etag) }, uniquingKeysWith: { first, _ in first })
        if recorded.allSatisfy({ etags[$0.number] == $0.etag }) {
            update { $0.reconciled = true; $0.nextPart = recorded.count + 1 }
            target.logger.info("upload.resumed", metadata: ["upload_id": "\(upload.id)", "parts_kept": "\(recorded.count)",
                                                            "bytes_kept": "\(recorded.reduce(0) { $0 + $1.bytes })"])
            return .success(())
        }
        target.abandon(reason: "the store's parts do not match the ledger's")
        if unreadableBelow > 0 {
            // A new upload would start from bytes this attempt cannot read back.
            update { $0.failure = Self.released(part: 1) }
            return .success(())
        }
        update { $0.upload = nil; $0.reconciled = true; $0.nextPart = 1 }
        return .success(())
    }

    private func send(_ upload: Upload, number: Int, offset: Int64, length: Int64) -> Result<Void, UploadFailure> {
        let sent: S3UploadedPart
        do {
            sent = try target.clients.client.uploadPart(key: target.key, uploadID: upload.id, partNumber: number,
                                                         file: FileRangeBody(fd: fd, offset: offset, length: length),
                                                         canceller: canceller)
        } catch {
            return .failure(UploadFailure(error))
        }
        let end = offset + length
        condition.lock()
        let digestState = state.digestStates[end]
        let releases = state.releases
        condition.unlock()
        do {
            try target.ledger.recordObjectUploadPart(
                taskID: target.taskID, uploadID: upload.id,
                part: ObjectUploadPart(number: number, bytes: length, etag: sent.etag,
                                       checksumSHA256: sent.checksumSHA256 ?? "", sha256Midstate: digestState?.encoded))
        } catch {
            return .failure(UploadFailure(ledger: error))
        }
        // Only a part recorded with its state is released: a resume continues from it.
        let released = releases && digestState != nil ? release(from: offset, to: end) : nil
        update { state in
            state.nextPart = number + 1
            state.digestStates = state.digestStates.filter { $0.key > end }
        }
        target.observer.bytesUploaded(length)
        target.observer.partRecorded(target.taskID, number, length)
        target.logger.info("upload.part", metadata: ["part": "\(number)", "bytes": "\(length)", "offset": "\(offset)",
                                                     "upload_id": "\(upload.id)",
                                                     "released_to": "\(released.map(String.init) ?? "none")"])
        return .success(())
    }

    /// Gives the part's whole pages back to the file system, the ledger told first (a
    /// crash in between only overstates what is gone). The page the part ends in stays
    /// until the next part's release takes it. Returns the end of what is released; nil
    /// when nothing was. A file system that cannot, or a failure, stops the releases of
    /// this job (logged once): the file stays whole, the bound is lifted.
    private func release(from offset: Int64, to end: Int64) -> Int64? {
        let page = ArchiveFileSystem.releaseAlignment
        let from = offset / page * page
        let to = end / page * page
        guard to > from else { return nil }
        do {
            try target.ledger.recordDownloadBytesReleased(taskID: target.taskID, bytes: to)
        } catch {
            target.logger.warning("upload.ledger_error", metadata: ["step": "record released bytes", "reason": "\(error)"])
            return nil
        }
        let reason: String
        do {
            if try ArchiveFileSystem.releaseBytes(fd: fd, path: path, offset: from, length: to - from) { return to }
            reason = "the file system cannot punch holes (fallocate: not supported)"
        } catch {
            reason = error.description
        }
        target.logger.warning("upload.release_unsupported", metadata: [
            "reason": "\(reason)", "action": "the partial file stays whole until the object is archived",
        ])
        update { $0.releases = false }
        return nil
    }
}
