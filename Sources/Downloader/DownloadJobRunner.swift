import Archive
import Foundation
import Hashing
import HTTPClient
import Ledger
import Logging
import TLS
import Transport
import VideoAPI

/// Runs one claimed job to its next state: the video (resumed from its partial file),
/// the further results, then the archive destination (the renames into the file
/// archive and the sidecar, or a bucket), which marks the job `done` in the ledger. A
/// failure ends as a retry, a final failure, a saved stop, or a pause for disk space,
/// each recorded in the ledger and logged with the task id. The destination's session
/// hears of the video's durable bytes as they come, so a bucket can take them early.
final class DownloadJobRunner {
    enum Outcome: Equatable {
        case done(path: String, bytes: Int64)
        case retrying(at: Date, reason: String)
        case failed(reason: String)
        case stopped
        case pausedForDiskSpace(reason: String, bytesNeeded: Int64)
        /// Another instance took the job over (its lease lapsed): the attempt stopped
        /// without a further write; the worker's canceller is spent.
        case leaseLost(reason: String)
    }

    private let ledger: Ledger
    private let configuration: DownloaderConfiguration
    private let layout: ArchiveLayout
    private let fetcherFactory: (Logger) -> FileFetcher
    private let refreshLinks: DownloadService.RefreshLinks?
    private let backoff: RetryBackoff
    private let baseLogger: Logger
    private let destination: any ArchiveDestination
    private let canceller: ConnectionCanceller
    /// This archive folder's identity (``PartialFolderIdentity``); nil trusts every
    /// partial file found (tests without a service).
    private let partialArchive: String?
    /// The job in hand's lease, for the length of one ``run(_:lease:)``.
    private var lease = JobLease(taskID: "", canceller: ConnectionCanceller())

    /// - Parameter destination: where finished downloads go; nil is the file archive
    ///   under `configuration.archiveDirectory`.
    init(ledger: Ledger, configuration: DownloaderConfiguration, client: HTTPSClient, canceller: ConnectionCanceller,
         logger: Logger, refreshLinks: DownloadService.RefreshLinks?, destination: (any ArchiveDestination)? = nil,
         partialArchive: String? = nil) {
        self.ledger = ledger
        self.configuration = configuration
        layout = ArchiveLayout(root: configuration.archiveDirectory)
        fetcherFactory = { FileFetcher(client: client, configuration: configuration, canceller: canceller, logger: $0) }
        self.refreshLinks = refreshLinks
        backoff = RetryBackoff(base: configuration.retryBaseDelay.seconds, maximum: configuration.retryMaxDelay.seconds)
        baseLogger = logger
        self.destination = destination ?? FilesystemArchive(archiveDirectory: configuration.archiveDirectory, ledger: ledger)
        self.canceller = canceller
        self.partialArchive = partialArchive
    }

    /// Runs the claim. `lease` is how the worker's service tells the run that another
    /// instance took the job over (its renewal found so); the run finds it out itself
    /// too, from a write the ledger refused (``LedgerError/leaseLost(reason:)``).
    func run(_ claim: DownloadClaim, lease: JobLease? = nil) -> Outcome {
        self.lease = lease ?? JobLease(taskID: claim.job.taskID, canceller: canceller)
        let job = claim.job
        var logger = baseLogger
        logger[metadataKey: "task_id"] = "\(job.taskID)"
        let started = Date()
        guard let taskID = TaskID(job.taskID), ArchiveName.isSafe(job.taskID) else {
            return fail(job, "the task id is not safe as a file name", logger: logger)
        }
        // A video already whole on disk (its archiving is what failed) no longer needs
        // its link: it waits for its destination however long that takes.
        let videoWhole = job.bytesTotal.map { $0 > 0 && job.bytesDone == $0 } ?? false
        if job.deadline < started && job.attempts > 0 && !videoWhole {
            return fail(job, "the link expired at \(UTCTime.format(job.deadline)) UTC (created + 24 h) after \(job.attempts) attempts; last error: \(job.lastError ?? "none")",
                        logger: logger)
        }
        if job.deadline < started {
            // The deadline counts from `created` and errs early: one try costs little and
            // may still save the video (or get a fresh link through the API).
            logger.notice("download.deadline_passed", metadata: ["deadline": "\(UTCTime.format(job.deadline))",
                                                                 "action": "one attempt anyway"])
        }
        let created = claim.taskCreated ?? Int64(job.createdAt.timeIntervalSince1970)
        let fetcher = fetcherFactory(logger)
        let refresh = LinkRefresh(ask: refreshLinks, taskID: taskID)
        let session = destination.begin(ArchiveJob(taskID: job.taskID, createdUnixSeconds: created,
                                                   attempt: job.attempts + 1, logger: logger, canceller: canceller))
        let outcome: Outcome
        do throws(DownloadFailure) {
            let video = try fetchVideo(claim, created: created, fetcher: fetcher, refresh: refresh, session: session,
                                       logger: logger)
            let extras = try fetchExtras(claim, fetcher: fetcher, refresh: refresh, logger: logger)
            let path = try archive(claim, created: created, video: video, extras: extras, started: started,
                                   session: session)
            let seconds = Date().timeIntervalSince(started)
            logger.info("download.done", metadata: [
                "path": "\(path)", "bytes": "\(video.file.bytes)", "sha256": "\(video.file.sha256)",
                "seconds": "\(String(format: "%.3f", seconds))", "extra_files": "\(extras.count)",
            ])
            outcome = .done(path: path, bytes: video.file.bytes)
        } catch {
            outcome = handle(error, job: job, claim: claim, logger: logger)
        }
        if let owner = self.lease.lostTo {
            // Whatever the attempt reached, the job is another instance's: nothing more
            // is written about it here, and the destination only stops.
            let reason = "instance \(owner) took the job over after this instance's lease lapsed"
            logger.warning("download.lease_lost", metadata: ["owner": "\(owner)", "action": "stopped without a further write"])
            session.end(.stopped)
            return .leaseLost(reason: reason)
        }
        session.end(Self.ending(outcome))
        return outcome
    }

    /// Notes a refused write: when it says another instance holds the job, the run is
    /// over (the canceller cuts the download).
    private func noteLedgerError(_ error: any Error) {
        Self.note(error, on: lease)
    }

    private static func note(_ error: any Error, on lease: JobLease) {
        if let error = error as? LedgerError, case .leaseLost(let reason) = error {
            lease.lose(to: owner(in: reason))
        }
    }

    /// The instance a ``LedgerError/leaseLost(reason:)`` names ("… by instance inst_…").
    static func owner(in reason: String) -> String {
        reason.split(separator: " ").last.map(String.init) ?? "another instance"
    }

    /// The outcome as the destination's session hears it.
    private static func ending(_ outcome: Outcome) -> ArchiveSessionEnding {
        switch outcome {
        case .done: .done
        case .stopped, .pausedForDiskSpace, .leaseLost: .stopped
        case .retrying(let at, let reason): .retrying(at: at, reason: reason)
        case .failed(let reason): .failed(reason: reason)
        }
    }

    // MARK: The video

    private struct Video {
        var file: FetchedFile
        var partialPath: String
        var finalPath: String
        var sourceURL: String
        /// Renamed into the archive before a crash; only the ledger was behind.
        var alreadyInPlace: Bool
    }

    private func fetchVideo(_ claim: DownloadClaim, created: Int64, fetcher: FileFetcher, refresh: LinkRefresh,
                            session: any ArchiveSession, logger: Logger) throws(DownloadFailure) -> Video {
        var job = claim.job
        let partialPath: String, finalPath: String
        do {
            partialPath = try layout.partialPath(taskID: job.taskID, index: 0)
            finalPath = try layout.videoPath(taskID: job.taskID, createdUnixSeconds: created)
        } catch {
            throw .permanent(error.description)
        }
        if !ArchiveFileSystem.fileExists(partialPath), ArchiveFileSystem.fileExists(finalPath) {
            logger.notice("download.found_archived", metadata: ["path": "\(finalPath)",
                                                                "action": "re-hashing the archived file"])
            let file = try rehash(finalPath, job: job)
            _ = session.videoOpened(path: finalPath, durableBytes: file.bytes, releasable: false)
            return Video(file: file, partialPath: partialPath, finalPath: finalPath, sourceURL: job.sourceURL,
                         alreadyInPlace: true)
        }
        // The ledger's bytes are in another archive folder's partial file: one here is stale.
        let foreign = partialArchive != nil && job.partialArchive != nil && job.partialArchive != partialArchive
        do {
            // Before any byte of this folder's file counts: this folder holds the job's bytes now.
            try ledger.setDownloadPartialPath(taskID: job.taskID, path: partialPath, archive: partialArchive)
        } catch {
            noteLedgerError(error)
            throw .temporary("the ledger: \(error)")
        }
        let writer = try openPartial(partialPath, job: &job, foreign: foreign, session: session, logger: logger)
        let opening = session.videoOpened(path: partialPath, durableBytes: writer.durableLength, releasable: true)
        try hashKeptBytes(writer, opening: opening, job: job, session: session, logger: logger)
        var resume: DownloadResponseFacts? = writer.length > 0
            ? DownloadResponseFacts(bytesTotal: job.bytesTotal, etag: job.etag, lastModified: job.lastModified,
                                    contentType: job.contentType)
            : nil
        logger.info("download.started", metadata: [
            "url": "\(LoggableURL.withoutQuery(job.sourceURL))", "attempt": "\(job.attempts + 1)",
            "offset": "\(writer.length)", "deadline": "\(UTCTime.format(job.deadline))",
            "results": "\(claim.results.count)",
        ])
        var url = job.sourceURL
        let ending = try refresh.fetch(result: 0, from: url, label: "video", logger: logger,
                                       fetching: { link throws(DownloadFailure) in
            try fetcher.fetch(FetchPlan(url: link, rule: .video, resume: resume, label: "video"),
                              into: writer, hooks: hooks(for: job.taskID, writer: writer, session: session))
        }, beforeRefetch: { fresh in
            try? ledger.updateDownloadSource(taskID: job.taskID, url: fresh)
            url = fresh
            // What is on disk still resumes: If-Range decides whether it is the same file.
            if writer.length > 0, resume == nil {
                resume = DownloadResponseFacts(bytesTotal: nil, etag: nil, lastModified: nil, contentType: nil)
            }
        })
        switch ending {
        case .fetched(let file):
            return Video(file: file, partialPath: partialPath, finalPath: finalPath, sourceURL: url, alreadyInPlace: false)
        case .refused(let reason, askingFailed: true):
            throw .temporary(reason)
        case .refused(let reason, askingFailed: false):
            throw .permanent(refresh.isAvailable ? "\(reason); the video API has no other link for it" : reason)
        }
    }

    /// Opens the partial file and makes its length agree with the ledger: bytes past the
    /// recorded offset were never fsynced and recorded, so they go. A file shorter than
    /// the record lost bytes it had (or is not here: the job was taken over from an
    /// instance on another host): it is made again from what the destination holds
    /// (``ArchiveSession/heldPrefix()``: that many bytes, released, the download going on
    /// after them), else it starts over. A `foreign` file (the ledger's bytes are in
    /// another archive folder's partial file) is not trusted at all. Nothing is hashed yet.
    private func openPartial(_ path: String, job: inout DownloadJobRecord, foreign: Bool, session: any ArchiveSession,
                             logger: Logger) throws(DownloadFailure) -> PartialFileWriter {
        let recordedBytes = job.bytesDone
        do {
            try ArchiveFileSystem.makeDirectories(layout.partialDirectory)
            let file = try PartialFile(path: path, direct: configuration.writesDirect)
            if foreign, file.length > 0 {
                logger.warning("download.partial_foreign", metadata: [
                    "discarded_bytes": "\(file.length)",
                    "reason": "the job's \(recordedBytes) recorded bytes are in the partial file of archive \(job.partialArchive ?? "?"), not this one's: another instance moved the job on since this file was written",
                ])
                try file.truncate(to: 0)
            }
            if file.length < recordedBytes {
                let found = file.length
                let held = session.heldPrefix()
                if held > 0, held <= recordedBytes {
                    try file.truncate(to: 0)
                    try file.truncate(to: held)
                    do {
                        try ledger.recordDownloadRebuilt(taskID: job.taskID, bytes: held)
                    } catch {
                        noteLedgerError(error)
                        throw DownloadFailure.temporary("the ledger: \(error)")
                    }
                    logger.notice("download.rebuilt", metadata: [
                        "from_bytes": "\(held)", "recorded_bytes": "\(recordedBytes)",
                        "reason": found == 0 ? "no partial file of this job here (taken over from another host, or lost)"
                            : "the partial file has \(found) bytes, fewer than the \(recordedBytes) recorded",
                        "action": "its first \(held) bytes are in the archive destination; the download goes on after them",
                    ])
                    job.bytesDone = held
                    job.bytesReleased = held
                } else {
                    logger.warning("download.restarted", metadata: [
                        "file": "video", "reason": "the partial file has \(file.length) bytes, fewer than the \(recordedBytes) recorded",
                    ])
                    try file.truncate(to: 0)
                }
            } else if file.length > recordedBytes {
                try file.truncate(to: recordedBytes)
            }
            return PartialFileWriter(file: file, digest: SHA256Digest(), bufferBytes: configuration.writeBufferBytes)
        } catch let failure as DownloadFailure {
            throw failure
        } catch let error as ArchiveError {
            throw FileFetcher.failure(error)
        } catch {
            throw .temporary("\(error)")
        }
    }

    /// Hashes the bytes the partial file keeps, before the download appends: from the
    /// destination's recorded digest state when it has one (the bytes before it are not
    /// read), else from the first byte. The file's first `bytes_released` bytes are no
    /// longer on the disk (a bucket released the parts it holds): without a state that
    /// covers them they cannot be hashed, so the file starts over, the destination told
    /// first (it drops what it held of the old bytes). The digest's states at the
    /// destination's marks go to it at once, before the download adds to them.
    private func hashKeptBytes(_ writer: PartialFileWriter, opening: VideoOpening, job: DownloadJobRecord,
                               session: any ArchiveSession, logger: Logger) throws(DownloadFailure) {
        writer.markInterval = opening.markInterval
        guard writer.length > 0 else { return }
        let state = opening.digestState.flatMap { $0.byteCount <= writer.length ? $0 : nil }
        do {
            if job.bytesReleased > 0, (state?.byteCount ?? 0) < job.bytesReleased {
                logger.warning("download.restarted", metadata: [
                    "file": "video", "discarded_bytes": "\(writer.length)",
                    "reason": """
                        the partial file's first \(job.bytesReleased) bytes were released from the disk once the archive \
                        held them, and it no longer does
                        """,
                ])
                session.willDiscard()
                try writer.startOver()
                do { try ledger.recordDownloadProgress(taskID: job.taskID, bytesDone: 0) } catch { noteLedgerError(error) }
                return
            }
            try writer.hashExistingBytes(from: state)
        } catch {
            throw FileFetcher.failure(error)
        }
        if let state {
            logger.info("download.digest_resumed", metadata: ["from_bytes": "\(state.byteCount)",
                                                              "rehashed_bytes": "\(writer.length - state.byteCount)"])
        }
        session.durable(bytes: writer.durableLength, digestStates: writer.takeDigestStates())
    }

    private func rehash(_ path: String, job: DownloadJobRecord) throws(DownloadFailure) -> FetchedFile {
        do {
            // Only read here: no descriptor for direct writes.
            let file = try PartialFile(path: path, direct: false)
            defer { file.close() }
            let writer = PartialFileWriter(file: file, digest: SHA256Digest(), bufferBytes: configuration.writeBufferBytes)
            try writer.hashExistingBytes()
            return FetchedFile(bytes: file.length, sha256: writer.sha256(),
                               facts: DownloadResponseFacts(bytesTotal: file.length, etag: job.etag,
                                                            lastModified: job.lastModified, contentType: job.contentType))
        } catch {
            throw FileFetcher.failure(error)
        }
    }

    /// The ledger first, then the destination: a part built from bytes the ledger does
    /// not hold as durable could be taken back by a crash. The destination may hold the
    /// checkpoint back (a bucket that is behind); the digest's states at its marks go
    /// with each one.
    private func hooks(for taskID: String, writer: PartialFileWriter, session: any ArchiveSession) -> FileFetcher.Hooks {
        let ledger = self.ledger
        let archive = configuration.archiveDirectory
        let lease = self.lease
        return FileFetcher.Hooks(
            responseStarted: { facts, offset in
                do {
                    try ledger.recordDownloadResponse(taskID: taskID, facts: facts, bytesDone: offset)
                } catch {
                    Self.note(error, on: lease)
                }
                session.responseStarted(contentType: facts.contentType, offset: offset)
            },
            checkpointed: { bytes in
                do {
                    try ledger.recordDownloadProgress(taskID: taskID, bytesDone: bytes)
                } catch {
                    Self.note(error, on: lease)
                    return
                }
                session.durable(bytes: bytes, digestStates: writer.takeDigestStates())
            },
            availableSpace: { try? DiskSpace.availableBytes(at: archive) },
            willDiscard: { session.willDiscard() })
    }

    // MARK: Further results

    private struct Extra {
        var index: Int
        var url: String
        var partialPath: String
        var file: FetchedFile
    }

    /// Each further result whole, from the start (they are small), from the API's fresh
    /// links when this attempt asked for them. A 403 or 410 asks for fresh links once per
    /// attempt. One that fails for good is skipped with a warning: the video matters more
    /// than its last frame.
    private func fetchExtras(_ claim: DownloadClaim, fetcher: FileFetcher, refresh: LinkRefresh,
                             logger: Logger) throws(DownloadFailure) -> [Extra] {
        var extras: [Extra] = []
        for (position, recorded) in claim.results.dropFirst().enumerated() {
            let index = position + 1
            var url = refresh.link(for: index, recorded: recorded)
            let label = "result \(index)"
            let path: String
            let writer: PartialFileWriter
            do {
                path = try layout.partialPath(taskID: claim.job.taskID, index: index)
                let file = try PartialFile(path: path, direct: configuration.writesDirect)
                try file.truncate(to: 0)
                writer = PartialFileWriter(file: file, digest: SHA256Digest(), bufferBytes: 64 << 10)
            } catch let error as ArchiveError {
                throw FileFetcher.failure(error)
            } catch {
                throw .permanent("\(error)")
            }
            let hooks = FileFetcher.Hooks(availableSpace: { [archive = configuration.archiveDirectory] in
                try? DiskSpace.availableBytes(at: archive)
            })
            do throws(DownloadFailure) {
                let ending = try refresh.fetch(result: index, from: url, label: label, logger: logger,
                                               fetching: { link throws(DownloadFailure) in
                    try fetcher.fetch(FetchPlan(url: link, rule: .media, resume: nil, label: label), into: writer, hooks: hooks)
                }, beforeRefetch: { fresh throws(DownloadFailure) in
                    url = fresh
                    do throws(ArchiveError) {
                        try writer.startOver()
                    } catch {
                        throw FileFetcher.failure(error)
                    }
                })
                switch ending {
                case .fetched(let file):
                    extras.append(Extra(index: index, url: url, partialPath: path, file: file))
                case .refused(let reason, _):
                    skip(label, url: url, reason: reason, partialPath: path, logger: logger)
                }
            } catch where error.kind == .permanent {
                skip(label, url: url, reason: error.reason, partialPath: path, logger: logger)
            }
        }
        return extras
    }

    private func skip(_ label: String, url: String, reason: String, partialPath: String, logger: Logger) {
        logger.warning("download.extra_skipped", metadata: ["file": "\(label)", "url": "\(LoggableURL.withoutQuery(url))",
                                                            "reason": "\(reason)"])
        try? ArchiveFileSystem.remove(partialPath)
    }

    // MARK: Into the archive

    /// Hands everything fetched to the destination, which archives it and marks the job
    /// done. Returns where the video went.
    private func archive(_ claim: DownloadClaim, created: Int64, video: Video, extras: [Extra], started: Date,
                         session: any ArchiveSession) throws(DownloadFailure) -> String {
        let job = claim.job
        let download = ArchivableDownload(
            taskID: job.taskID, createdUnixSeconds: created,
            video: ArchivableDownload.Video(
                path: video.alreadyInPlace ? video.finalPath : video.partialPath, archivePath: video.finalPath,
                alreadyInPlace: video.alreadyInPlace, bytes: video.file.bytes, sha256: video.file.sha256,
                contentType: video.file.facts.contentType, etag: video.file.facts.etag,
                lastModified: video.file.facts.lastModified, sourceURL: video.sourceURL),
            extras: extras.map {
                ArchivableDownload.Extra(index: $0.index, sourceURL: $0.url, path: $0.partialPath, bytes: $0.file.bytes,
                                         sha256: $0.file.sha256, contentType: $0.file.facts.contentType)
            },
            taskBody: claim.taskBody.map { [UInt8]($0) } ?? [], startedAt: job.startedAt ?? started,
            attempts: job.attempts + 1)
        if !video.alreadyInPlace {
            // Whole and fsynced: a retry of the archive step (a bucket that refused) then
            // starts from the whole file instead of fetching its tail again, and is not
            // failed for the link's deadline.
            do { try ledger.recordDownloadProgress(taskID: job.taskID, bytesDone: video.file.bytes) } catch { noteLedgerError(error) }
        }
        if let owner = lease.lostTo {
            throw DownloadFailure(.stopped, "instance \(owner) holds the job now")
        }
        do throws(ArchiveFailure) {
            return try session.finish(download)
        } catch {
            throw DownloadFailure(error)
        }
    }

    // MARK: Endings

    private func handle(_ failure: DownloadFailure, job: DownloadJobRecord, claim: DownloadClaim,
                        logger: Logger) -> Outcome {
        let now = Date()
        if let owner = lease.lostTo {
            return .leaseLost(reason: "instance \(owner) holds the job now")
        }
        switch failure.kind {
        case .stopped:
            let saved = (try? ledger.downloadJob(taskID: job.taskID))?.bytesDone ?? 0
            record { try ledger.requeueDownload(taskID: job.taskID, notBefore: now) }
            logger.info("download.stopped", metadata: ["bytes_saved": "\(saved)", "reason": "\(failure.reason)"])
            return .stopped
        case .diskFull:
            record { try ledger.requeueDownload(taskID: job.taskID, notBefore: now + configuration.pollInterval.seconds) }
            return .pausedForDiskSpace(reason: failure.reason, bytesNeeded: failure.bytesNeeded ?? 0)
        case .permanent, .linkRefused:
            return fail(job, failure.reason, logger: logger, results: claim.results.count)
        case .archiveWaiting:
            // The video is whole on disk: no deadline, only the backoff. The destination
            // logs why it waits (its own session hears `retrying`).
            let attempt = job.attempts + 1
            let next = now + backoff.delay(afterAttempt: attempt)
            record { try ledger.scheduleDownloadRetry(taskID: job.taskID, reason: failure.reason, nextAttemptAt: next) }
            return .retrying(at: next, reason: failure.reason)
        case .temporary:
            let attempt = job.attempts + 1
            let delay = backoff.delay(afterAttempt: attempt, retryAfter: failure.retryAfter)
            let next = now + delay
            if next > job.deadline {
                return fail(job, "gave up after \(attempt) attempt\(attempt == 1 ? "" : "s"): the link expires at \(UTCTime.format(job.deadline)) UTC, before the next attempt; last error: \(failure.reason)",
                            logger: logger, results: claim.results.count)
            }
            record { try ledger.scheduleDownloadRetry(taskID: job.taskID, reason: failure.reason, nextAttemptAt: next) }
            logger.warning("download.retry", metadata: [
                "reason": "\(failure.reason)", "attempt": "\(attempt)",
                "next_attempt": "\(UTCTime.format(next))", "delay_seconds": "\(String(format: "%.1f", delay))",
            ])
            return .retrying(at: next, reason: failure.reason)
        }
    }

    /// Fails the job for good and removes its partial files: a failed job keeps no bytes
    /// (`retry` starts it over).
    private func fail(_ job: DownloadJobRecord, _ reason: String, logger: Logger, results: Int = 1) -> Outcome {
        for index in 0..<max(results, 1) {
            if let path = try? layout.partialPath(taskID: job.taskID, index: index) { try? ArchiveFileSystem.remove(path) }
        }
        if let path = try? layout.sidecarTemporaryPath(taskID: job.taskID) { try? ArchiveFileSystem.remove(path) }
        record { try ledger.markDownloadFailed(taskID: job.taskID, reason: reason) }
        logger.error("download.failed", metadata: ["reason": "\(reason)", "attempts": "\(job.attempts + 1)"])
        return .failed(reason: reason)
    }

    private func record(_ write: () throws -> Void) {
        do {
            try write()
        } catch {
            noteLedgerError(error)
            if lease.lostTo == nil {
                baseLogger.error("download.ledger_error", metadata: ["reason": "\(error)"])
            }
        }
    }
}
