import Foundation
import Glibc
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
/// The pump never stops the download: when the store refuses for good (or passing
/// troubles outlast `partRetryDelays`) it keeps the failure and waits; the session
/// reports it when the download has ended.
final class PartPump: @unchecked Sendable {
    // @unchecked: `state` is only touched holding `condition`; `fd` is set in init and
    // closed by `stop()` after the thread has left.

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
    private let fd: Int32
    private var closed = false
    private var thread: NamedThread?

    /// - Parameters:
    ///   - path: the video's file, read part by part (never past `durable`).
    ///   - resumed: an upload the ledger holds whose recorded parts (the first
    ///     `recordedParts`) are within the durable bytes; checked with ListParts first.
    init(target: UploadTarget, path: String, durable: Int64, resumed: Upload?, recordedParts: Int) {
        self.target = target
        state = State(durable: durable, upload: resumed, reconciled: resumed == nil,
                      nextPart: resumed == nil ? 1 : recordedParts + 1)
        fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
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

    func durable(_ bytes: Int64) {
        update { $0.durable = max($0.durable, bytes) }
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
            return state.durable > target.configuration.partSize ? .create : nil
        }
        guard state.reconciled else { return .reconcile(upload) }
        guard state.nextPart <= S3Client.partNumbers.upperBound else {
            state.failure = UploadFailure("the video needs more than \(S3Client.partNumbers.upperBound) parts of "
                                          + "\(upload.partSize) bytes: raise s3.part_size", disposition: .needsOperator)
            return nil
        }
        let offset = Int64(state.nextPart - 1) * upload.partSize
        if let total = state.total {
            guard offset < total else { return nil }
            let length = min(upload.partSize, total - offset)
            return state.durable >= offset + length ? .part(upload, number: state.nextPart, offset: offset, length: length) : nil
        }
        return state.durable >= offset + upload.partSize
            ? .part(upload, number: state.nextPart, offset: offset, length: upload.partSize) : nil
    }

    /// Holding the lock: the end, once the length is known and nothing is left to do.
    private func ending() -> Ending? {
        if state.stopping { return .stopped }
        if let failure = state.failure { return .failed(failure) }
        guard let total = state.total else { return nil }
        guard let upload = state.upload else {
            return state.durable > target.configuration.partSize ? nil : .noUpload
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
        let partSize = target.configuration.partSize
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
        do {
            try target.ledger.recordObjectUploadPart(
                taskID: target.taskID, uploadID: upload.id,
                part: ObjectUploadPart(number: number, bytes: length, etag: sent.etag,
                                       checksumSHA256: sent.checksumSHA256 ?? ""))
        } catch {
            return .failure(UploadFailure(ledger: error))
        }
        update { $0.nextPart = number + 1 }
        target.observer.bytesUploaded(length)
        target.observer.partRecorded(target.taskID, number, length)
        target.logger.info("upload.part", metadata: ["part": "\(number)", "bytes": "\(length)", "offset": "\(offset)",
                                                     "upload_id": "\(upload.id)"])
        return .success(())
    }
}
