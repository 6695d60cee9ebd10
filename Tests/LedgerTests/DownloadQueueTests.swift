import Foundation
import Testing
@testable import Ledger
import TestSupport
import VideoAPI

@Suite("The download queue in the ledger")
struct DownloadQueueTests {
    private func ledgerWithJobs(_ specs: [(id: String, created: Int)]) throws -> (TemporaryDirectory, Ledger) {
        let directory = TemporaryDirectory()
        let ledger = try directory.openLedger()
        for spec in specs {
            let body = TaskBody.json(id: spec.id, status: "completed", results: ["https://cdn.example.com/\(spec.id).mp4",
                                                                               "https://cdn.example.com/\(spec.id).png"],
                                     created: spec.created)
            guard case .task(let task) = CallbackBody.classify(body) else { throw TaskBody.BodyError.notATask }
            _ = try ledger.record(.event(TaskEvent(task: task, peer: "p", receivedAt: Date())))
        }
        return (directory, ledger)
    }

    @Test("waiting jobs made due now keep their attempts and error; a running one is left alone")
    func makeQueuedDue() throws {
        let (_, ledger) = try ledgerWithJobs([("t-wait", 1_761_300_000), ("t-run", 1_761_000_000), ("t-other", 1_761_200_000)])
        let running = try #require(try ledger.claimNextDownload())
        #expect(running.job.taskID == "t-run")
        let later = Date(timeIntervalSinceNow: 3600)
        try ledger.scheduleDownloadRetry(taskID: "t-wait", reason: "the store said no", nextAttemptAt: later)
        try ledger.scheduleDownloadRetry(taskID: "t-other", reason: "HTTP 503", nextAttemptAt: later)
        let now = Date()
        #expect(try ledger.makeQueuedDownloadsDue(taskIDs: ["t-wait", "t-run", "t-none"], now: now) == 1)
        let waiting = try #require(try ledger.downloadJob(taskID: "t-wait"))
        #expect(waiting.state == .queued && waiting.attempts == 1 && waiting.lastError == "the store said no")
        #expect(abs(waiting.nextAttemptAt.timeIntervalSince(now)) < 0.01)
        #expect(try ledger.downloadJob(taskID: "t-run")?.state == .running)
        #expect(try #require(try ledger.downloadJob(taskID: "t-other")).nextAttemptAt > now + 3000)
        #expect(try ledger.claimNextDownload(now: now)?.job.taskID == "t-wait")
        #expect(try ledger.makeQueuedDownloadsDue(taskIDs: []) == 0)
    }

    @Test("the soonest-expiring job is claimed first, with the task's created time, body and results")
    func claimOrder() throws {
        let (_, ledger) = try ledgerWithJobs([("t-new", 1_761_300_000), ("t-old", 1_761_000_000), ("t-mid", 1_761_200_000)])
        let first = try #require(try ledger.claimNextDownload())
        #expect(first.job.taskID == "t-old" && first.job.state == .running)
        #expect(first.taskCreated == 1_761_000_000)
        #expect(first.results == ["https://cdn.example.com/t-old.mp4", "https://cdn.example.com/t-old.png"])
        #expect(String(decoding: try #require(first.taskBody), as: UTF8.self).contains("\"id\":\"t-old\""))
        #expect(first.job.startedAt != nil)
        #expect(try ledger.claimNextDownload()?.job.taskID == "t-mid")
        #expect(try ledger.claimNextDownload()?.job.taskID == "t-new")
        #expect(try ledger.claimNextDownload() == nil)
        #expect(try ledger.downloadJob(taskID: "t-old")?.state == .running)
    }

    @Test("a job is not claimed before its next attempt time, and the next due time is known")
    func dueTime() throws {
        let (_, ledger) = try ledgerWithJobs([("t-later", 1_761_000_000)])
        let claim = try #require(try ledger.claimNextDownload())
        let next = Date(timeIntervalSinceNow: 60)
        try ledger.scheduleDownloadRetry(taskID: claim.job.taskID, reason: "HTTP 503", nextAttemptAt: next)
        #expect(try ledger.claimNextDownload() == nil)
        #expect(abs(try #require(try ledger.nextDownloadDue()).timeIntervalSince(next)) < 0.001)
        #expect(try ledger.claimNextDownload(now: next + 1)?.job.attempts == 1)
        let job = try #require(try ledger.downloadJob(taskID: "t-later"))
        #expect(job.lastError == "HTTP 503")
    }

    @Test("running jobs go back to queued at start, due now; other states stay")
    func requeueRunning() throws {
        let (_, ledger) = try ledgerWithJobs([("t-a", 1), ("t-b", 2), ("t-c", 3)])
        _ = try ledger.claimNextDownload()
        _ = try ledger.claimNextDownload()
        try ledger.markDownloadDone(taskID: "t-b", archivePath: "/a/t-b.mp4", sha256: "00", bytes: 5)
        #expect(try ledger.requeueRunningDownloads() == 1)
        #expect(try ledger.downloadJob(taskID: "t-a")?.state == .queued)
        #expect(try ledger.downloadJob(taskID: "t-b")?.state == .done)
        #expect(try ledger.unfinishedDownloadTaskIDs() == ["t-a", "t-c"])
    }

    @Test("progress, response facts, done and failed are recorded")
    func recordedFields() throws {
        let (_, ledger) = try ledgerWithJobs([("t-r", 1_761_000_000), ("t-f", 1_761_000_001)])
        _ = try ledger.claimNextDownload()
        try ledger.setDownloadPartialPath(taskID: "t-r", path: "/a/.partial/t-r.0.part")
        try ledger.recordDownloadResponse(taskID: "t-r", facts: DownloadResponseFacts(
            bytesTotal: 1000, etag: "\"e\"", lastModified: "Fri, 24 Oct 2025 13:49:04 GMT", contentType: "video/mp4"), bytesDone: 0)
        try ledger.recordDownloadProgress(taskID: "t-r", bytesDone: 400)
        var job = try #require(try ledger.downloadJob(taskID: "t-r"))
        #expect(job.bytesDone == 400 && job.bytesTotal == 1000 && job.etag == "\"e\"" && job.contentType == "video/mp4")
        #expect(job.partialPath == "/a/.partial/t-r.0.part")
        try ledger.markDownloadDone(taskID: "t-r", archivePath: "/a/2025/10/21/t-r.mp4", sha256: "ab", bytes: 1000)
        job = try #require(try ledger.downloadJob(taskID: "t-r"))
        #expect(job.state == .done && job.archivePath == "/a/2025/10/21/t-r.mp4" && job.sha256 == "ab")
        #expect(job.partialPath == nil && job.finishedAt != nil && job.bytesDone == 1000)

        try ledger.markDownloadFailed(taskID: "t-f", reason: "HTTP 404 Not Found")
        let failed = try #require(try ledger.downloadJob(taskID: "t-f"))
        #expect(failed.state == .failed && failed.lastError == "HTTP 404 Not Found" && failed.finishedAt != nil)
        #expect(throws: LedgerError.self) { try ledger.recordDownloadProgress(taskID: "no-such-task", bytesDone: 1) }
    }

    @Test("retry puts a failed job back with its attempts at 0 and leaves other states alone")
    func retry() throws {
        let (_, ledger) = try ledgerWithJobs([("t-x", 1), ("t-y", 2)])
        _ = try ledger.claimNextDownload()
        try ledger.scheduleDownloadRetry(taskID: "t-x", reason: "reset", nextAttemptAt: Date())
        _ = try ledger.claimNextDownload()
        try ledger.markDownloadFailed(taskID: "t-x", reason: "gave up")
        guard case .requeued(let job) = try ledger.retryDownload(taskID: TaskID("t-x")!) else {
            Issue.record("expected requeued")
            return
        }
        #expect(job.state == .queued && job.attempts == 0 && job.lastError == "gave up")
        let stored = try #require(try ledger.downloadJob(taskID: "t-x"))
        #expect(stored.state == .queued && stored.attempts == 0 && stored.finishedAt == nil)
        #expect(try ledger.claimNextDownload()?.job.taskID == "t-x")
        if case .notFailed(let other) = try ledger.retryDownload(taskID: TaskID("t-y")!) {
            #expect(other.state == .queued)
        } else {
            Issue.record("a queued job is not failed")
        }
        #expect(try ledger.retryDownload(taskID: TaskID("t-none")!) == .noJob)
    }

    @Test("concurrent claims never hand one job to two workers")
    func concurrentClaims() async throws {
        let (_, ledger) = try ledgerWithJobs((0..<40).map { ("t-\($0)", 1_761_000_000 + $0) })
        let claimed = await withTaskGroup(of: [String].self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var mine: [String] = []
                    while let claim = try? ledger.claimNextDownload() { mine.append(claim.job.taskID) }
                    return mine
                }
            }
            return await group.reduce(into: [String]()) { $0 += $1 }
        }
        #expect(claimed.count == 40 && Set(claimed).count == 40)
    }

    @Test("a ledger made before this migration gains the download columns and keeps its jobs")
    func migrationFromV1() throws {
        let directory = TemporaryDirectory()
        try directory.prepareLedger(upTo: "v1", then: """
            INSERT INTO tasks (id, status, first_seen, last_seen) VALUES ('t-old', 'completed', 1, 1);
            INSERT INTO download_jobs (task_id, source_url, deadline, next_attempt_at, bytes_done, created_at, updated_at)
            VALUES ('t-old', 'https://cdn.example.com/v.mp4', 86401, 1, 123, 1, 1);
            """)
        let ledger = try directory.openLedger()
        let columns = try ledger.columns(in: "download_jobs")
        for column in ["etag", "last_modified", "content_type", "sha256", "partial_path", "started_at", "finished_at"] {
            #expect(columns.contains(column))
        }
        let applied = try ledger.appliedMigrations()
        // Later migrations follow; this one must come right after v1.
        #expect(applied.starts(with: ["v1", "v2-download-resume"]))
        let job = try #require(try ledger.downloadJob(taskID: "t-old"))
        #expect(job.bytesDone == 123 && job.etag == nil && job.startedAt == nil && job.state == .queued)
    }
}
