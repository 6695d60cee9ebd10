import Dispatch
import Foundation
import Testing
@testable import Ledger
import TestSupport
import VideoAPI

@Suite("Group commit through the writer thread")
struct LedgerWriterTests {
    @Test("duplicate storm: 50 tasks, each completed event sent 4 times at once, gives 50 events and 50 jobs")
    func duplicateStorm() throws {
        let directory = TemporaryDirectory()
        let ledger = try directory.openLedger()
        let writer = LedgerWriter(ledger: ledger)
        try writer.start()
        defer { writer.close() }
        let writes = try (0..<50).map { try TaskBody.event(id: "task-storm-\($0)", status: .completed) }
        let completions = Completions()
        let handlers = (0..<200).map { _ in completions.expectOne() }
        DispatchQueue.concurrentPerform(iterations: 200) { index in
            writer.submit(writes[index % 50], completion: handlers[index])
        }
        #expect(completions.wait(), "every submission is answered")

        #expect(completions.all.count == 200)
        #expect(completions.failures.isEmpty)
        let outcomes = completions.outcomes
        #expect(outcomes.filter { !$0.isDuplicate }.count == 50)
        #expect(outcomes.filter(\.isDuplicate).count == 150)
        #expect(outcomes.filter(\.downloadJobCreated).count == 50)
        #expect(Set(outcomes.filter(\.downloadJobCreated).map(\.taskID)).count == 50)

        let counts = try ledger.counts()
        #expect(counts.tasksByStatus[.completed] == 50)
        #expect(counts.events == 50)
        #expect(counts.duplicates == 150)
        #expect(counts.downloadJobs == 50)
        for index in 0..<50 {
            let detail = try #require(try ledger.task(id: TaskID("task-storm-\(index)")!))
            #expect(detail.events.map(\.duplicateCount) == [3])
            #expect(detail.downloadJob?.state == .queued)
        }
        #expect(ledger.writeTransactionCount < 200, "the storm was committed in batches")
    }

    @Test("the writer thread is named vh-ledger, so top -H and ps -L show which thread it is")
    func threadName() throws {
        let directory = TemporaryDirectory()
        let ledger = try directory.openLedger()
        let writer = LedgerWriter(ledger: ledger)
        try writer.start()
        defer { writer.close() }
        // The name is set by the thread as it starts.
        let deadline = Date().addingTimeInterval(5)
        while !ThreadNames.current().contains("vh-ledger"), Date() < deadline { usleep(10_000) }
        #expect(ThreadNames.current().contains("vh-ledger"))
    }

    @Test("writes queued while the writer is busy are committed in one transaction")
    func batchesWhileBusy() throws {
        let directory = TemporaryDirectory()
        let ledger = try directory.openLedger()
        let writer = LedgerWriter(ledger: ledger)
        try writer.start()
        defer { writer.close() }
        let inCompletion = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        // Completions run on the writer thread: holding this one holds the writer.
        writer.submit(try TaskBody.event(id: "blocker", status: .pending)) { _ in
            inCompletion.signal()
            release.wait()
        }
        inCompletion.wait()
        let before = ledger.writeTransactionCount
        let completions = Completions()
        for index in 0..<100 {
            writer.submit(try TaskBody.event(id: "batched-\(index)", status: .completed),
                          completion: completions.expectOne())
        }
        #expect(writer.pendingCount == 100)
        #expect(ledger.writeTransactionCount == before, "nothing commits while the writer is held")
        release.signal()
        #expect(completions.wait())
        #expect(completions.outcomes.count == 100)
        #expect(ledger.writeTransactionCount - before == 1, "100 writes, one transaction")
        #expect(try ledger.counts().downloadJobs == 100)
    }

    @Test("a batch never holds more than maxBatchSize writes")
    func batchSizeIsBounded() throws {
        let directory = TemporaryDirectory()
        let ledger = try directory.openLedger()
        let writer = LedgerWriter(ledger: ledger, maxBatchSize: 10)
        try writer.start()
        defer { writer.close() }
        let inCompletion = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        writer.submit(try TaskBody.event(id: "blocker", status: .pending)) { _ in
            inCompletion.signal()
            release.wait()
        }
        inCompletion.wait()
        let before = ledger.writeTransactionCount
        let completions = Completions()
        for index in 0..<35 {
            writer.submit(try TaskBody.event(id: "bounded-\(index)", status: .failed), completion: completions.expectOne())
        }
        release.signal()
        #expect(completions.wait())
        #expect(completions.outcomes.count == 35)
        #expect(ledger.writeTransactionCount - before == 4, "35 writes in batches of at most 10")
    }

    @Test("beyond maxPendingWrites a submission fails at once as unavailable (503)")
    func pendingWritesAreBounded() throws {
        let directory = TemporaryDirectory()
        let ledger = try directory.openLedger()
        let writer = LedgerWriter(ledger: ledger, maxPendingWrites: 5)
        try writer.start()
        defer { writer.close() }
        let inCompletion = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        writer.submit(try TaskBody.event(id: "blocker", status: .pending)) { _ in
            inCompletion.signal()
            release.wait()
        }
        inCompletion.wait()
        let accepted = Completions()
        for index in 0..<5 {
            writer.submit(try TaskBody.event(id: "queued-\(index)", status: .pending), completion: accepted.expectOne())
        }
        let refused = Completions()
        writer.submit(try TaskBody.event(id: "one-too-many", status: .pending), completion: refused.expectOne())
        #expect(refused.wait(seconds: 1), "the refusal comes at once, not after the commit")
        #expect(refused.failures.first?.isUnavailable == true)
        release.signal()
        #expect(accepted.wait())
        #expect(accepted.outcomes.count == 5)
        #expect(try ledger.task(id: TaskID("one-too-many")!) == nil)
    }

    @Test("close commits what is queued; later submissions fail as unavailable")
    func closeDrains() throws {
        let directory = TemporaryDirectory()
        let ledger = try directory.openLedger()
        let writer = LedgerWriter(ledger: ledger)
        try writer.start()
        let completions = Completions()
        for index in 0..<20 {
            writer.submit(try TaskBody.event(id: "drain-\(index)", status: .processing), completion: completions.expectOne())
        }
        writer.close()
        #expect(completions.all.count == 20, "close returns after every queued write was answered")
        #expect(completions.failures.isEmpty)
        let late = Completions()
        writer.submit(try TaskBody.event(id: "late", status: .processing), completion: late.expectOne())
        #expect(late.wait(seconds: 1))
        #expect(late.failures.first?.isUnavailable == true)
        writer.close()
        #expect(try ledger.counts().tasks == 20)
    }

    @Test("a completion runs only once another connection can see the write: 2xx after commit")
    func completionFollowsCommit() throws {
        let directory = TemporaryDirectory()
        let ledger = try directory.openLedger()
        let writer = LedgerWriter(ledger: ledger)
        try writer.start()
        defer { writer.close() }
        let reader = try directory.openLedgerForReading()
        let completions = Completions()
        let seenByReader = Completions()
        for index in 0..<40 {
            let id = TaskID("visible-\(index)")!
            let done = completions.expectOne()
            let check = seenByReader.expectOne()
            writer.submit(try TaskBody.event(id: id.rawValue, status: .completed)) { result in
                // Answered here: the intake would send its 2xx now. The event must
                // already be committed, as another process would see it.
                let visible = (try? reader.task(id: id))??.downloadJob != nil
                check(visible ? result : .failure(.readFailed(reason: "\(id) not visible at completion")))
                done(result)
            }
        }
        #expect(completions.wait())
        #expect(seenByReader.wait())
        #expect(seenByReader.failures.isEmpty)
        #expect(seenByReader.outcomes.count == 40)
    }

    @Test("the async submit returns the committed outcome")
    func asyncSubmit() async throws {
        let directory = TemporaryDirectory()
        let ledger = try directory.openLedger()
        let writer = LedgerWriter(ledger: ledger)
        try writer.start()
        defer { writer.close() }
        let result = await writer.submit(try TaskBody.event(id: "async-1", status: .completed))
        #expect(try result.get().event?.downloadJobCreated == true)
    }
}
