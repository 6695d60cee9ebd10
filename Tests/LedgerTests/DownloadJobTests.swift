import Foundation
import Testing
@testable import Ledger
import TestSupport
import VideoAPI

@Suite("A completed task is queued for download exactly once")
struct DownloadJobTests {
    @Test("the schema itself refuses a second job for a task")
    func uniqueConstraintHolds() throws {
        let directory = TemporaryDirectory()
        let ledger = try directory.openLedger()
        _ = try ledger.record(try TaskBody.event(id: "t1", status: .completed))
        let insert = """
            INSERT INTO download_jobs (task_id, source_url, deadline, next_attempt_at, created_at, updated_at)
            VALUES ('t1', 'https://other.example.com/x.mp4', 0, 0, 0, 0)
            """
        #expect {
            try ledger.testWrite(sql: insert)
        } throws: { error in
            isConstraintViolation(error)
        }
        #expect(try ledger.counts().downloadJobs == 1)
        #expect(try ledger.task(id: TaskID("t1")!)?.downloadJob?.sourceURL == "https://media.example.com/videos/t1.mp4")
    }

    @Test("after a restart, the same completed callback again creates no job")
    func restartThenResend() throws {
        let directory = TemporaryDirectory()
        do {
            let ledger = try directory.openLedger()
            let writer = LedgerWriter(ledger: ledger)
            try writer.start()
            let first = commit(writer, try TaskBody.event(id: "t-restart", status: .completed))
            #expect(first?.downloadJobCreated == true)
            writer.close()
        }
        let reopened = try directory.openLedger()
        let writer = LedgerWriter(ledger: reopened)
        try writer.start()
        defer { writer.close() }
        let again = commit(writer, try TaskBody.event(id: "t-restart", status: .completed))
        #expect(again?.isDuplicate == true)
        #expect(again?.downloadJobCreated == false)
        let processing = commit(writer, try TaskBody.event(id: "t-restart", status: .processing))
        #expect(processing?.statusAfter == .completed)
        #expect(try reopened.counts().downloadJobs == 1)
        #expect(try reopened.task(id: TaskID("t-restart")!)?.events.first?.duplicateCount == 1)
    }

    @Test("a task with no created time gets a deadline 24 hours after it was seen")
    func deadlineWithoutCreated() throws {
        let directory = TemporaryDirectory()
        let ledger = try directory.openLedger()
        let body = Data(#"{"id":"t-nocreated","status":"completed","results":["https://a.example.com/v.mp4"]}"#.utf8)
        guard case .task(let task) = CallbackBody.classify(body) else {
            Issue.record("expected a task")
            return
        }
        let seen = Date(timeIntervalSince1970: 1_800_000_000)
        _ = try ledger.record(.event(TaskEvent(task: task, peer: "p", receivedAt: seen)))
        #expect(try ledger.task(id: task.id)?.downloadJob?.deadline == seen + 86_400)
    }

    /// Submits one write and waits for its outcome.
    private func commit(_ writer: LedgerWriter, _ write: LedgerWrite) -> EventOutcome? {
        let completions = Completions()
        writer.submit(write, completion: completions.expectOne())
        #expect(completions.wait())
        return completions.outcomes.first
    }
}
