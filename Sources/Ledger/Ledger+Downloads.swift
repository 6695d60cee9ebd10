import Archive
import Foundation
import Outbox
import VideoAPI

/// The download queue: the downloader's workers claim jobs, record their progress and
/// their end here. Workers write straight through the pool: their writes are few (a
/// claim, a checkpoint every several megabytes, an end) next to the intake's callbacks.
///
/// A job moves `queued → running → done | failed | queued (retry)`; ``retryDownload(taskID:now:)``
/// moves `failed → queued`; ``requeueRunningDownloads(now:)`` puts back what a crash left
/// `running`.
extension Ledger {
    /// Puts `running` jobs that nobody works on back to `queued`, due now, without an
    /// owner: at start, a job left `running` was cut short by a crash or a kill. Returns
    /// how many.
    ///
    /// On SQLite every `running` job (one process owns the state folder). On a shared
    /// ledger, only those of this instance, those whose lease lapsed (their instance
    /// died, or stopped renewing), those of an instance that stopped, and those without
    /// an owner: another live instance's work is left to it.
    @discardableResult
    public func requeueRunningDownloads(now: Date = Date()) throws(LedgerError) -> Int {
        let seconds = now.timeIntervalSince1970
        return try writeTransaction { db in
            let (abandoned, arguments) = abandonedRunning(now: seconds, in: db)
            try db.execute(sql: """
                UPDATE download_jobs SET state = 'queued', owner = NULL, lease_until = NULL,
                    next_attempt_at = \(db.dialect.least("next_attempt_at", "?")), updated_at = ?
                WHERE state = 'running'\(abandoned)
                """, arguments: [seconds, seconds] + arguments)
            return try db.changesCount
        }
    }

    /// The condition (after `state = 'running'`) that picks the running rows nobody
    /// works on, as the start of an instance sees them: see ``requeueRunningDownloads(now:)``.
    func abandonedRunning(now: Double, in db: any LedgerDatabase) -> (String, SQLArguments) {
        guard db.dialect == .postgres else { return ("", []) }
        return ("""
             AND (owner IS NULL OR owner = ? OR lease_until IS NULL OR lease_until < ?
                  OR owner IN (SELECT id FROM instances WHERE stopped_at IS NOT NULL))
            """, [instanceID, now])
    }

    /// Takes the due job whose link expires soonest and marks it `running`, owned by
    /// this instance (``instanceID``) under a lease of ``LedgerLimits/leaseDuration``;
    /// nil when no job is due. A job another instance was running whose lease lapsed is
    /// due too: it is taken over (``DownloadClaim/takenOverFrom`` names the previous
    /// owner), and that owner's further writes about it are refused
    /// (``LedgerError/leaseLost(reason:)``). One transaction, so two workers never take
    /// the same job; on PostgreSQL two instances neither (the row is locked,
    /// `SKIP LOCKED` passes it by).
    ///
    /// - Parameter takingOver: false leaves lapsed jobs alone (queued ones only): an
    ///   instance that has just come back from an outage of the database waits until the
    ///   others have had a renewal to renew their leases, which lapsed with its own.
    public func claimNextDownload(now: Date = Date(), takingOver: Bool = true) throws(LedgerError) -> DownloadClaim? {
        let seconds = now.timeIntervalSince1970
        let owner = instanceID
        let until = seconds + limits.leaseDuration
        let lapsed = takingOver ? "\n   OR (j.state = 'running' AND j.lease_until < ? AND j.owner <> ?)" : ""
        let lapsedArguments: SQLArguments = takingOver ? [seconds, owner] : []
        return try claimTransaction { db in
            guard let row = try db.fetchOne(sql: """
                SELECT j.*, t.created AS task_created, t.last_body AS task_body, t.results AS task_results
                FROM download_jobs j JOIN tasks t ON t.id = j.task_id
                WHERE (j.state = 'queued' AND j.next_attempt_at <= ?)\(lapsed)
                ORDER BY j.deadline, j.id
                LIMIT 1\(db.dialect.skipLocked(of: "j"))
                """, arguments: [seconds] + lapsedArguments) else { return nil }
            try db.execute(sql: """
                UPDATE download_jobs SET state = 'running', owner = ?, lease_until = ?,
                    started_at = coalesce(started_at, ?), updated_at = ?
                WHERE id = ?
                """, arguments: [owner, until, seconds, seconds, row["id"] as Int64])
            var job = try DownloadJobRecord(row: row)
            let takenOverFrom = job.state == .running ? job.owner : nil
            job.state = .running
            job.owner = owner
            job.leaseUntil = Date(timeIntervalSince1970: until)
            job.startedAt = job.startedAt ?? now
            job.updatedAt = now
            return DownloadClaim(job: job, taskCreated: row["task_created"], taskBody: row["task_body"],
                                 results: try row.results("task_results"), takenOverFrom: takenOverFrom)
        }
    }

    /// When the next queued job is due (or another instance's running job lapses, to be
    /// taken over); nil when none is queued.
    public func nextDownloadDue() throws(LedgerError) -> Date? {
        try readTransaction { db in
            try db.fetchScalar(Double.self, sql: """
                SELECT min(CASE WHEN state = 'queued' THEN next_attempt_at ELSE lease_until END) FROM download_jobs
                WHERE state = 'queued' OR (state = 'running' AND owner <> ?)
                """, arguments: [instanceID])
                .map(Date.init(timeIntervalSince1970:))
        }
    }

    /// The expiry of the soonest-expiring link still waiting (queued or running), for
    /// the `oldest_waiting_link` gauge; nil when none waits.
    public func soonestWaitingDeadline() throws(LedgerError) -> Date? {
        try readTransaction { db in
            try db.fetchScalar(Double.self, sql: "SELECT min(deadline) FROM download_jobs WHERE state IN ('queued', 'running')")
                .map(Date.init(timeIntervalSince1970:))
        }
    }

    /// Tasks whose job is queued or running: the owners of the files in `.partial`.
    public func unfinishedDownloadTaskIDs() throws(LedgerError) -> Set<String> {
        try readTransaction { db in
            Set(try db.fetchColumn(String.self, sql: "SELECT task_id FROM download_jobs WHERE state IN ('queued', 'running')"))
        }
    }

    /// The job of one task, or nil.
    public func downloadJob(taskID: String) throws(LedgerError) -> DownloadJobRecord? {
        try readTransaction { db in
            try db.fetchOne(sql: "SELECT * FROM download_jobs WHERE task_id = ?", arguments: [taskID])
                .map(DownloadJobRecord.init(row:))
        }
    }

    /// Where the job's partial file is; with `archive`, also which archive folder holds it
    /// (its identity, `<archive_dir>/.partial-id`): recorded before the file's bytes are
    /// trusted, so that an instance on another host, or this one after another moved the
    /// job on, does not resume a partial file that is not the one `bytes_done` describes.
    public func setDownloadPartialPath(taskID: String, path: String?, archive: String? = nil,
                                       now: Date = Date()) throws(LedgerError) {
        if let archive {
            try update(taskID, "partial_path = ?, partial_archive = ?", [path, archive], now: now)
        } else {
            try update(taskID, "partial_path = ?", [path], now: now)
        }
    }

    /// The partial file was made again from what the archive destination holds: its first
    /// `bytes` are in the destination (a bucket's recorded parts, with the digest's state
    /// at their end) and read as zeros on the disk. A job taken over from an instance on
    /// another host resumes so, without its partial file.
    public func recordDownloadRebuilt(taskID: String, bytes: Int64, now: Date = Date()) throws(LedgerError) {
        try update(taskID, "bytes_done = ?, bytes_released = ?", [bytes, bytes], now: now)
    }

    /// The response the job is now writing from the start or resuming: its length and
    /// validators, and the offset it starts at.
    public func recordDownloadResponse(taskID: String, facts: DownloadResponseFacts, bytesDone: Int64,
                                       now: Date = Date()) throws(LedgerError) {
        try update(taskID, { dialect in """
            bytes_total = ?, etag = ?, last_modified = ?, content_type = ?, bytes_done = ?,
            bytes_released = \(dialect.least("bytes_released", "?"))
            """ }, [facts.bytesTotal, facts.etag, facts.lastModified, facts.contentType, bytesDone, bytesDone], now: now)
    }

    /// Bytes on disk and fsynced: a resume may start there. A file cut back (to nothing,
    /// when it starts over) has no more released bytes than it has bytes.
    public func recordDownloadProgress(taskID: String, bytesDone: Int64, now: Date = Date()) throws(LedgerError) {
        try update(taskID, { "bytes_done = ?, bytes_released = \($0.least("bytes_released", "?"))" },
                   [bytesDone, bytesDone], now: now)
    }

    /// The partial file's first `bytes` are about to be released from the disk (their
    /// blocks given back, the length kept), the archive destination holding them: recorded
    /// before the release, so that a crash in between only overstates it. Never lowers
    /// what is recorded, and refused past `bytes_done` (only durable bytes can be held
    /// elsewhere).
    public func recordDownloadBytesReleased(taskID: String, bytes: Int64, now: Date = Date()) throws(LedgerError) {
        let seconds = now.timeIntervalSince1970
        let owner = instanceID
        try writeTransaction { db in
            try db.execute(sql: """
                UPDATE download_jobs SET bytes_released = \(db.dialect.greatest("bytes_released", "?")), updated_at = ?
                WHERE task_id = ? AND bytes_done >= ? AND \(Self.ownedByFence)
                """, arguments: [bytes, seconds, taskID, bytes, owner])
            guard try db.changesCount == 1 else {
                try Self.requireNotTaken(taskID, owner: owner, in: db)
                let done = try db.fetchScalar(Int64.self, sql: "SELECT bytes_done FROM download_jobs WHERE task_id = ?",
                                              arguments: [taskID])
                throw LedgerError.writeFailed(reason: done.map {
                    "task \(taskID) has \($0) durable bytes; \(bytes) cannot be released"
                } ?? "no download job for task \(taskID)")
            }
        }
    }

    /// A fresh link for the video (after a 403 or 410, from the video API).
    public func updateDownloadSource(taskID: String, url: String, now: Date = Date()) throws(LedgerError) {
        try update(taskID, "source_url = ?", [url], now: now)
    }

    /// The video and its sidecar are in the archive: the job is done, and
    /// `video.archived` is in the outbox with it.
    public func markDownloadDone(taskID: String, archivePath: String, sha256: String, bytes: Int64,
                                 sidecarPath: String? = nil, now: Date = Date()) throws(LedgerError) {
        let seconds = now.timeIntervalSince1970
        try writeTransaction { db in
            try Self.updateJob(taskID, """
                state = 'done', archive_path = ?, sha256 = ?, bytes_done = ?, bytes_total = ?, partial_path = NULL,
                last_error = NULL, finished_at = ?, \(Self.released)
                """, [archivePath, sha256, bytes, bytes, seconds], owner: instanceID, now: seconds, in: db)
            try Self.recordAttempt(taskID, .done, reason: nil, counted: false, now: seconds, in: db)
            try Self.emitArchived(taskID: taskID, archive: [("path", .string(archivePath))], sha256: sha256,
                                  bytes: bytes, sidecar: sidecarPath, now: seconds, in: db)
        }
        outboxHook.fire()
    }

    /// The video is an object in a bucket, verified by HeadObject, and its sidecar object
    /// is beside it: the job is done with `s3://bucket/key` as its archive, the object's
    /// ETag and version id on it, the upload `verified`, and `video.archived` (naming
    /// the object) in the outbox, all in one transaction. The task's upload must be this
    /// object's and completed; `sidecarURL` is the sidecar object's `s3://` URL.
    public func markDownloadDone(taskID: String, object: ArchivedObject, sha256: String, bytes: Int64,
                                 sidecarURL: String? = nil, now: Date = Date()) throws(LedgerError) {
        let seconds = now.timeIntervalSince1970
        try writeTransaction { db in
            try Self.updateJob(taskID, """
                state = 'done', archive_path = ?, object_etag = ?, object_version_id = ?, sha256 = ?, bytes_done = ?,
                bytes_total = ?, partial_path = NULL, last_error = NULL, finished_at = ?, \(Self.released)
                """, [object.url, object.etag, object.versionID, sha256, bytes, bytes, seconds], owner: instanceID,
                now: seconds, in: db)
            try Self.recordAttempt(taskID, .done, reason: nil, counted: false, now: seconds, in: db)
            try Self.verifyUpload(taskID, bucket: object.bucket, key: object.key, etag: object.etag,
                                  versionID: object.versionID, now: seconds, in: db)
            try Self.emitArchived(taskID: taskID, archive: [
                ("bucket", .string(object.bucket)),
                ("key", .string(object.key)),
                ("url", .string(object.url)),
                ("etag", .string(object.etag)),
                ("version_id", object.versionID.map { .string($0) } ?? .null),
            ], sha256: sha256, bytes: bytes, sidecar: sidecarURL, now: seconds, in: db)
        }
        outboxHook.fire()
    }

    /// `video.archived` with its facts, `archive` as given (a path, or an object).
    private static func emitArchived(taskID: String, archive: [(String, NotificationBody.Value)], sha256: String,
                                     bytes: Int64, sidecar: String?, now: Double, in db: any LedgerDatabase) throws {
        let job = try db.fetchOne(sql: "SELECT source_url, content_type FROM download_jobs WHERE task_id = ?",
                                   arguments: [taskID])
        let source: String = job?["source_url"] ?? ""
        try emitNotification(.videoArchived, taskID: taskID, extra: [
            ("archive", .object(archive)),
            ("bytes", .integer(bytes)),
            ("sha256", .string(sha256)),
            ("content_type", (job?["content_type"] as String?).map { .string($0) } ?? .null),
            ("source_url", .string(withoutQuery(source))),
            ("sidecar", sidecar.map { .string($0) } ?? .null),
        ], now: now, in: db)
    }

    /// Gives the job up: `reason` is what the operator reads in `show` and the log, and
    /// what `download.failed` carries.
    public func markDownloadFailed(taskID: String, reason: String, now: Date = Date()) throws(LedgerError) {
        let seconds = now.timeIntervalSince1970
        let reason = Self.clipped(reason, to: limits.maxTextBytes)
        try writeTransaction { db in
            try Self.updateJob(taskID, "state = 'failed', last_error = ?, partial_path = NULL, finished_at = ?, \(Self.released)",
                               [reason, seconds], owner: instanceID, now: seconds, in: db)
            try Self.recordAttempt(taskID, .failed, reason: reason, counted: false, now: seconds, in: db)
            let attempts = try db.fetchScalar(Int.self, sql: "SELECT attempts FROM download_jobs WHERE task_id = ?",
                                            arguments: [taskID]) ?? 0
            try Self.emitNotification(.downloadFailed, taskID: taskID, extra: [
                ("reason", .string(reason)), ("attempts", .integer(Int64(attempts))),
            ], now: seconds, in: db)
        }
        outboxHook.fire()
    }

    /// A video link without its query, where signatures live: fit for a body or a log.
    static func withoutQuery(_ url: String) -> String {
        url.firstIndex(where: { $0 == "?" || $0 == "#" }).map { String(url[..<$0]) } ?? url
    }

    /// A failed attempt that may succeed later: counts it and sets when to try again.
    public func scheduleDownloadRetry(taskID: String, reason: String, nextAttemptAt: Date,
                                      now: Date = Date()) throws(LedgerError) {
        let reason = Self.clipped(reason, to: limits.maxTextBytes)
        let seconds = now.timeIntervalSince1970
        let owner = instanceID
        try writeTransaction { db in
            try Self.updateJob(taskID, "state = 'queued', attempts = attempts + 1, last_error = ?, next_attempt_at = ?, \(Self.released)",
                               [reason, nextAttemptAt.timeIntervalSince1970], owner: owner, now: seconds, in: db)
            try Self.recordAttempt(taskID, .retry, reason: reason, counted: true, now: seconds, in: db)
        }
    }

    /// One row of `download_attempts` for the attempt that has just ended, from the job
    /// as the same transaction left it. `counted`: the job's `attempts` already includes
    /// it (a retry); otherwise (done, failed) the last attempt is the one after them.
    private static func recordAttempt(_ taskID: String, _ outcome: DownloadAttemptOutcome, reason: String?,
                                      counted: Bool, now: Double, in db: any LedgerDatabase) throws {
        try db.execute(sql: """
            INSERT INTO download_attempts (task_id, attempt, ended_at, outcome, reason, bytes_done)
            SELECT task_id, \(db.dialect.greatest(counted ? "attempts" : "attempts + 1", "1")), ?, ?, ?, bytes_done
            FROM download_jobs WHERE task_id = ?
            """, arguments: [now, outcome.rawValue, reason, taskID])
    }

    /// Back to `queued` without counting an attempt: the daemon stopped, or the disk is
    /// short of space. Nothing went wrong with the download itself.
    public func requeueDownload(taskID: String, notBefore: Date, now: Date = Date()) throws(LedgerError) {
        try update(taskID, "state = 'queued', next_attempt_at = ?, \(Self.released)", [notBefore.timeIntervalSince1970],
                   now: now)
    }

    /// Makes the queued jobs of `taskIDs` due now, keeping their attempts and last error:
    /// what waited for the operator (a bucket's credentials) may go as soon as the
    /// operator has acted. A job no longer queued (running, done, failed) is left alone.
    /// Returns how many were moved.
    @discardableResult
    public func makeQueuedDownloadsDue(taskIDs: Set<String>, now: Date = Date()) throws(LedgerError) -> Int {
        guard !taskIDs.isEmpty else { return 0 }
        return try writeTransaction { db in
            var moved = 0
            for taskID in taskIDs.sorted() {
                try db.execute(sql: """
                    UPDATE download_jobs SET next_attempt_at = \(db.dialect.least("next_attempt_at", "?")), updated_at = ?
                    WHERE task_id = ? AND state = 'queued'
                    """, arguments: [now.timeIntervalSince1970, now.timeIntervalSince1970, taskID])
                moved += try db.changesCount
            }
            return moved
        }
    }

    /// `videohookd retry TASK_ID`: a failed job goes back to `queued`, due now, with its
    /// attempts back to 0 (so its backoff starts over) and its last error kept for the
    /// record. Any other state is left alone.
    public func retryDownload(taskID: TaskID, now: Date = Date()) throws(LedgerError) -> DownloadRetryOutcome {
        try writeTransaction { db in
            guard let row = try db.fetchOne(sql: "SELECT * FROM download_jobs WHERE task_id = ?",
                                             arguments: [taskID.rawValue]) else { return .noJob }
            var job = try DownloadJobRecord(row: row)
            guard job.state == .failed else { return .notFailed(job) }
            let seconds = now.timeIntervalSince1970
            try db.execute(sql: """
                UPDATE download_jobs SET state = 'queued', attempts = 0, next_attempt_at = ?, bytes_done = 0,
                                         bytes_released = 0, finished_at = NULL, updated_at = ?
                WHERE task_id = ?
                """, arguments: [seconds, seconds, taskID.rawValue])
            job.state = .queued
            job.attempts = 0
            job.nextAttemptAt = now
            job.bytesDone = 0
            job.bytesReleased = 0
            job.finishedAt = nil
            job.updatedAt = now
            return .requeued(job)
        }
    }

    private func update(_ taskID: String, _ assignments: String, _ values: SQLArguments,
                        now: Date) throws(LedgerError) {
        try update(taskID, { _ in assignments }, values, now: now)
    }

    /// The same, with assignments that use a fragment of the backend's dialect.
    private func update(_ taskID: String, _ assignments: (SQLDialect) -> String, _ values: SQLArguments,
                        now: Date) throws(LedgerError) {
        let owner = instanceID
        try writeTransaction { db in
            try Self.updateJob(taskID, assignments(db.dialect), values, owner: owner, now: now.timeIntervalSince1970, in: db)
        }
    }

    /// What a job that leaves `running` gives up: its owner and lease.
    static let released = "owner = NULL, lease_until = NULL"

    /// The fence on a worker's write of its job (one `?`, the instance id): the row is
    /// this instance's, or nobody's (not running: the worker's own writes after its
    /// ending released it, or a job written without a claim). A job another instance
    /// took over is refused.
    static let ownedByFence = "(owner IS NULL OR owner = ?)"

    /// A worker's write of its job, fenced by ``ownedByFence``: refused with
    /// ``LedgerError/leaseLost(reason:)`` when another instance took the job over.
    private static func updateJob(_ taskID: String, _ assignments: String, _ values: SQLArguments, owner: String,
                                  now: Double, in db: any LedgerDatabase) throws {
        try db.execute(sql: "UPDATE download_jobs SET \(assignments), updated_at = ? WHERE task_id = ? AND \(ownedByFence)",
                       arguments: values + [now, taskID, owner])
        guard try db.changesCount == 1 else {
            try requireNotTaken(taskID, owner: owner, in: db)
            throw LedgerError.writeFailed(reason: "no download job for task \(taskID)")
        }
    }

    /// Throws ``LedgerError/leaseLost(reason:)`` when another instance holds the task's
    /// job; returns when this one does, nobody does, or there is no job. On PostgreSQL
    /// the job's row is locked for the rest of the transaction (a takeover waits, or
    /// passes the job by), and one changed since this transaction's snapshot makes it run
    /// again on a fresh one (a serialization failure), which then sees the new owner.
    static func requireNotTaken(_ taskID: String, owner: String, in db: any LedgerDatabase) throws {
        guard let row = try db.fetchOne(sql: "SELECT owner FROM download_jobs WHERE task_id = ?\(db.dialect.lockingRow)",
                                        arguments: [taskID]),
              let holder: String = row["owner"], holder != owner else { return }
        throw LedgerError.leaseLost(reason: "the download of task \(taskID) was taken over by instance \(holder)")
    }
}
