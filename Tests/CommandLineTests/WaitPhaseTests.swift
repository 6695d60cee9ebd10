import Foundation
import Ledger
import Testing
import TestSupport
import VideoAPI
@testable import videohookd

/// `submit --wait`'s phases, read from a real SQLite ledger moved along with the same
/// calls `serve`'s parts make: submitted, running, confirming, downloading, archived,
/// and every way it ends without a video.
@Suite("submit --wait: the phase model")
struct WaitPhaseTests {
    static let id = "task-unified-1761313744-wait0001"
    let folder = TemporaryDirectory(prefix: "vh-wait")
    let ledger: Ledger

    init() throws {
        ledger = try Ledger.open(path: folder.path + "/ledger.sqlite")
    }

    func task(_ status: TaskStatus, progress: Int? = nil, results: [String]? = nil,
              error: (code: String, message: String)? = nil) throws -> ValidatedTask {
        let body = TaskBodies.task(Self.id, status: status.rawValue, created: Int64(Date().timeIntervalSince1970),
                                   results: results ?? (status == .completed ? ["https://media.example.com/v/\(Self.id).mp4"] : []),
                                   progress: progress, error: error)
        guard case .task(let task) = CallbackBody.classify(Data(body.utf8)) else { throw CocoaError(.coderInvalidValue) }
        return task
    }

    func record(_ status: TaskStatus, progress: Int? = nil, trust: EventTrust = .unverified,
                error: (code: String, message: String)? = nil) throws {
        _ = try ledger.record(.event(TaskEvent(task: try task(status, progress: progress, error: error),
                                               peer: "203.0.113.7:40000", trust: trust)))
    }

    func phase() throws -> WaitPhase {
        WaitPhase(try #require(try ledger.task(id: TaskID(Self.id)!)))
    }

    @Test("Submitted and pending: queued; processing: running with the API's progress as the bar's fraction")
    func queuedThenRunning() throws {
        _ = try ledger.record(.submitted(SubmittedTask(answer: try task(.pending), requestJSON: "{}")))
        #expect(try phase() == .queued)
        #expect(try phase().fraction == nil && phase().exitStatus == nil)
        try record(.processing, progress: 40)
        #expect(try phase() == .running(progress: 40))
        #expect(try phase().fraction == 0.4)
    }

    @Test("A completed callback awaiting the API's word: confirming; confirmed: video ready, download queued")
    func confirmingThenReady() throws {
        try record(.completed, trust: .needsVerification)
        #expect(try phase() == .confirming)
        try ledger.recordVerification(VerificationVerdict(taskID: TaskID(Self.id)!, verification: .verified,
                                                          apiAnswer: try task(.completed)))
        #expect(try phase() == .videoReady)
    }

    @Test("Contradicted by the API with no job: nothing to download, its own exit status, the API's reason kept")
    func contradicted() throws {
        try record(.completed, trust: .needsVerification)
        try ledger.recordVerification(VerificationVerdict(taskID: TaskID(Self.id)!, verification: .contradicted,
                                                          note: "the video API says the task failed"))
        #expect(try phase() == .nothingToDownload(reason: "the video API says the task failed"))
        #expect(try phase().exitStatus == .nothingToDownload)
    }

    @Test("The download: bytes of total as the fraction, verifying once every byte is in, then archived with its path")
    func downloadToArchive() throws {
        try record(.completed)
        #expect(try phase() == .videoReady)
        _ = try #require(try ledger.claimNextDownload())
        #expect(try phase() == .downloading(bytes: 0, total: nil, uploaded: nil))
        #expect(try phase().fraction == nil)
        try ledger.recordDownloadResponse(taskID: Self.id, facts: DownloadResponseFacts(bytesTotal: 1000, etag: nil,
                                          lastModified: nil, contentType: "video/mp4"), bytesDone: 0)
        try ledger.recordDownloadProgress(taskID: Self.id, bytesDone: 250)
        #expect(try phase() == .downloading(bytes: 250, total: 1000, uploaded: nil))
        #expect(try phase().fraction == 0.25)
        try ledger.recordDownloadProgress(taskID: Self.id, bytesDone: 1000)
        #expect(try phase() == .verifying(bytes: 1000))
        try ledger.markDownloadDone(taskID: Self.id, archivePath: "/srv/archive/2025/10/24/\(Self.id).mp4",
                                    sha256: String(repeating: "ab", count: 32), bytes: 1000)
        #expect(try phase() == .archived(location: "/srv/archive/2025/10/24/\(Self.id).mp4", bytes: 1000,
                                         sha256: String(repeating: "ab", count: 32)))
        #expect(try phase().exitStatus == .created)
    }

    @Test("A failed attempt waiting for the next: retrying, named by its attempt; given up: download failed with the reason")
    func retryThenFailed() throws {
        try record(.completed)
        _ = try #require(try ledger.claimNextDownload())
        let next = Date().addingTimeInterval(30)
        try ledger.scheduleDownloadRetry(taskID: Self.id, reason: "HTTP 503 from the CDN", nextAttemptAt: next)
        guard case .retrying(1, "HTTP 503 from the CDN", let at) = try phase() else {
            Issue.record("not retrying: \(try phase())")
            return
        }
        #expect(abs(at.timeIntervalSince(next)) < 1)
        #expect(try phase().name == "retrying-1")
        try ledger.makeQueuedDownloadsDue(taskIDs: [Self.id])
        _ = try #require(try ledger.claimNextDownload())
        try ledger.markDownloadFailed(taskID: Self.id, reason: "the link expired (HTTP 410)")
        #expect(try phase() == .downloadFailed(reason: "the link expired (HTTP 410)"))
        #expect(try phase().exitStatus == .downloadFailed)
    }

    @Test("Failed and cancelled at the API: their own exit statuses, with the API's code and message")
    func failedAndCancelled() throws {
        try record(.failed, error: ("content_policy_violation", "refused"))
        #expect(try phase() == .taskFailed(code: "content_policy_violation", message: "refused"))
        #expect(try phase().exitStatus == .taskFailed)
        #expect(WaitPhase.taskCancelled(code: nil, message: nil).exitStatus == .taskCancelled)
        #expect(SubmitExitStatus.taskFailed != SubmitExitStatus.downloadFailed)
    }

    @Test("The default --timeout: at least an hour; a long estimate adds the grace and the download's half hour")
    func defaultTimeout() {
        #expect(WaitLimits.defaultTimeout(estimatedTime: 165, reconcileGrace: .seconds(120)) == 3600)
        #expect(WaitLimits.defaultTimeout(estimatedTime: nil, reconcileGrace: .seconds(120)) == 3600)
        #expect(WaitLimits.defaultTimeout(estimatedTime: 7200, reconcileGrace: .seconds(120)) == 7200 + 120 + 1800)
    }

    @Test("The rate comes from the writer's times between two records, and forgets a download that started over")
    func transferRate() {
        var rate = TransferRate()
        let start = Date()
        rate.observe(bytes: 0, at: start)
        #expect(rate.bytesPerSecond == nil)
        rate.observe(bytes: 10_000, at: start.addingTimeInterval(5))
        #expect(rate.bytesPerSecond == 2000)
        rate.observe(bytes: 10_000, at: start.addingTimeInterval(5)) // the same record, polled again
        #expect(rate.bytesPerSecond == 2000)
        rate.observe(bytes: 0, at: start.addingTimeInterval(6))
        #expect(rate.bytesPerSecond == nil)
    }
}
