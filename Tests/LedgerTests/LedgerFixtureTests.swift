import Foundation
import Testing
@testable import Ledger
import TestSupport
import VideoAPI

@Suite("Each example callback leads to the right state")
struct LedgerFixtureTests {
    @Test("processing: the task is processing at 40%, no download job")
    func processing() throws {
        let directory = TemporaryDirectory()
        let ledger = try directory.openLedger()
        let outcome = try ledger.record(.event(TaskEvent(task: try Fixture.processing.task, peer: "p"))).event
        #expect(outcome?.advanced == true)
        #expect(outcome?.statusBefore == nil)
        let detail = try #require(try ledger.task(id: TaskID("task-unified-1761313744-vux2jw0k")!))
        #expect(detail.task.status == .processing)
        #expect(detail.task.progress == 40)
        #expect(detail.task.created == 1_761_313_744)
        #expect(detail.downloadJob == nil)
        #expect(detail.events.count == 1)
    }

    @Test("completed: the task is completed with its results, and one download job is queued")
    func completed() throws {
        let directory = TemporaryDirectory()
        let ledger = try directory.openLedger()
        let task = try Fixture.completed.task
        let outcome = try ledger.record(.event(TaskEvent(task: task, peer: "p"))).event
        #expect(outcome?.downloadJobCreated == true)
        let detail = try #require(try ledger.task(id: task.id))
        #expect(detail.task.status == .completed)
        #expect(detail.task.progress == 100)
        #expect(detail.task.results == ["https://media.example.com/videos/task-unified-1761313744-vux2jw0k.mp4"])
        #expect(detail.task.lastBody == (try Fixture.completed.data))
        let job = try #require(detail.downloadJob)
        #expect(job.state == .queued)
        #expect(job.sourceURL == "https://media.example.com/videos/task-unified-1761313744-vux2jw0k.mp4")
        #expect(job.deadline == Date(timeIntervalSince1970: 1_761_313_744 + 86_400))
        #expect(job.attempts == 0)
        #expect(job.bytesDone == 0)
    }

    @Test("completed with extra fields: the video URL is the first result")
    func completedExtraFields() throws {
        let directory = TemporaryDirectory()
        let ledger = try directory.openLedger()
        let task = try Fixture.completedExtraFields.task
        _ = try ledger.record(.event(TaskEvent(task: task, peer: "p")))
        let detail = try #require(try ledger.task(id: task.id))
        #expect(detail.task.status == .completed)
        #expect(detail.task.results.count == 2)
        #expect(detail.downloadJob?.sourceURL == "https://media.example.com/v/zz99yy88.mp4?X-Expires=86400&sig=abc")
        #expect(detail.events.first?.results == detail.task.results)
    }

    @Test("failed: the task is failed with its error code and message, no download job")
    func failed() throws {
        let directory = TemporaryDirectory()
        let ledger = try directory.openLedger()
        let task = try Fixture.failed.task
        _ = try ledger.record(.event(TaskEvent(task: task, peer: "p")))
        let detail = try #require(try ledger.task(id: task.id))
        #expect(detail.task.status == .failed)
        #expect(detail.task.errorCode == "content_policy_violation")
        #expect(detail.task.errorMessage == "Content policy violation.\nYour request was blocked by safety filters.")
        #expect(detail.downloadJob == nil)
    }

    @Test("cancelled: the task is cancelled, no download job")
    func cancelled() throws {
        let directory = TemporaryDirectory()
        let ledger = try directory.openLedger()
        let task = try Fixture.cancelled.task
        _ = try ledger.record(.event(TaskEvent(task: task, peer: "p")))
        let detail = try #require(try ledger.task(id: task.id))
        #expect(detail.task.status == .cancelled)
        #expect(detail.downloadJob == nil)
        #expect(try ledger.counts().downloadJobs == 0)
    }

    @Test("processing after completed leaves the task completed; the late event is kept, ignored")
    func processingAfterCompleted() throws {
        let directory = TemporaryDirectory()
        let ledger = try directory.openLedger()
        let completed = try Fixture.completed.task
        _ = try ledger.record(.event(TaskEvent(task: completed, peer: "p")))
        let late = try ledger.record(.event(TaskEvent(task: try Fixture.processing.task, peer: "p"))).event
        #expect(late?.isDuplicate == false)
        #expect(late?.advanced == false)
        #expect(late?.statusBefore == .completed)
        #expect(late?.statusAfter == .completed)
        #expect(late?.downloadJobCreated == false)
        let detail = try #require(try ledger.task(id: completed.id))
        #expect(detail.task.status == .completed)
        #expect(detail.task.progress == 100)
        #expect(detail.events.map(\.status) == [.completed, .processing])
        #expect(detail.events.map(\.applied) == [true, false])
        #expect(try ledger.counts().downloadJobs == 1)
    }

    @Test("processing then completed advances and keeps the first seen time")
    func processingThenCompleted() throws {
        let directory = TemporaryDirectory()
        let ledger = try directory.openLedger()
        let start = Date(timeIntervalSince1970: 1_761_313_800)
        _ = try ledger.record(.event(TaskEvent(task: try Fixture.processing.task, peer: "p", receivedAt: start)))
        let outcome = try ledger.record(.event(TaskEvent(task: try Fixture.completed.task, peer: "p",
                                                         receivedAt: start + 60))).event
        #expect(outcome?.statusBefore == .processing)
        #expect(outcome?.advanced == true)
        #expect(outcome?.downloadJobCreated == true)
        let detail = try #require(try ledger.task(id: TaskID("task-unified-1761313744-vux2jw0k")!))
        #expect(detail.task.firstSeen == start)
        #expect(detail.task.lastSeen == start + 60)
    }

    /// JSON's `\u0000` decodes to U+0000, which SQLite's text keeps and PostgreSQL's
    /// cannot hold: the callback must be recorded all the same (its raw body, as bytes,
    /// keeps the character either way).
    @Test("a NUL character in a body's text fields is recorded, not refused")
    func nulInText() throws {
        let directory = TemporaryDirectory()
        let ledger = try directory.openLedger()
        let body = Data(#"{"id":"t-nul","status":"failed","model":"m\u0000x","error":{"code":"c\u0000d","message":"a\u0000b"}}"#.utf8)
        guard case .task(let task) = CallbackBody.classify(body) else {
            Issue.record("expected a task")
            return
        }
        #expect(task.object.error?.message == "a\u{0}b")
        let outcome = try ledger.record(.event(TaskEvent(task: task, peer: "p"))).event
        #expect(outcome?.statusAfter == .failed)
        let detail = try #require(try ledger.task(id: task.id))
        #expect(detail.task.status == .failed)
        #expect(detail.task.lastBody == body)
        // SQLite keeps the NUL (GRDB reads the text up to it); PostgreSQL keeps U+FFFD.
        let message = try #require(detail.task.errorMessage)
        #expect(message.hasPrefix("a"))
    }
}
