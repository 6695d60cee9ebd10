import Foundation
import Ledger
import TestSupport
import Testing
@testable import Downloader

@Suite("Idle workers are woken one at a time, and a burst still runs in parallel", .serialized)
struct WakeTests {
    @Test("one wake for three queued jobs: the woken worker passes it on, all three run at once")
    func oneWakeStartsEveryIdleWorker() throws {
        // The poll is far longer than the test: only wakes can start these jobs.
        let harness = try DownloadHarness { $0.concurrency = 3; $0.pollInterval = .seconds(300) }
        try harness.server.makeFile("woken.bin", size: 64 << 10)
        try harness.start()
        #expect(harness.waitUntil(timeout: 5) { harness.service?.activeDownloads == 0 })
        Thread.sleep(forTimeInterval: 0.3)  // every worker has looked once and sleeps

        let ids = (1...3).map { "task-woken-\($0)" }
        for id in ids {
            // Each answer waits 1 s before its head, so three at once overlap.
            try harness.addCompletedTask(id, results: [harness.server.url("woken.bin", query: "key=\(uniqueKey(id))&delay=1")])
        }
        let service = try #require(harness.service)
        service.wake()
        var mostAtOnce = 0
        let allDone = try harness.waitUntil(timeout: 20) {
            mostAtOnce = max(mostAtOnce, service.activeDownloads)
            return try ids.allSatisfy { try harness.ledger.downloadJob(taskID: $0)?.state == .done }
        }
        #expect(allDone, "log:\n\(harness.logs.text)")
        #expect(mostAtOnce == 3)
    }
}
