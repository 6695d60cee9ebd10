import Foundation
import Ledger
import TestSupport
import Testing
@testable import Downloader

/// The downloader beside other instances on one ledger (issue 21): a job another instance
/// took over stops without a further write, and a partial file whose bytes the ledger
/// places in another archive folder is not resumed.
@Suite("The downloader and leases")
struct LeaseLossTests {
    @Test("a job another instance took over stops at once: its worker writes nothing more about it, and goes on with the next job")
    func takenOverStops() throws {
        let harness = try DownloadHarness()
        _ = try harness.server.makeFile("taken.bin", size: 4 << 20)
        let after = try harness.server.makeFile("after.bin", size: 64 << 10)
        try harness.addCompletedTask("task-taken-over", results: [harness.server.url("taken.bin", query: "pace=0.05")])
        let service = try harness.start()
        #expect(harness.waitUntil { service.runningTaskIDs == ["task-taken-over"] })
        #expect(harness.waitUntil { (try? harness.ledger.downloadJob(taskID: "task-taken-over"))?.bytesDone ?? 0 > 0 })
        // Another instance on the same ledger, its clock past this one's lease.
        let other = try Ledger.open(path: harness.directory.file("ledger.sqlite"))
        let taken = try #require(try other.claimNextDownload(now: Date().addingTimeInterval(31)))
        #expect(taken.takenOverFrom == harness.ledger.instanceID)
        service.leaseLost(taskID: "task-taken-over", owner: other.instanceID)
        #expect(harness.waitUntil { service.runningTaskIDs.isEmpty })
        #expect(harness.waitUntil { !harness.logs.events("download.lease_lost", task: "task-taken-over").isEmpty })
        let job = try #require(try other.downloadJob(taskID: "task-taken-over"))
        #expect(job.state == .running && job.owner == other.instanceID, "still the new owner's: \(job)")
        #expect(harness.logs.events("download.stopped", task: "task-taken-over").isEmpty)
        #expect(harness.logs.events("download.ledger_error").isEmpty, "\(harness.logs.text)")
        // The worker goes on: a new job is taken with a fresh connection canceller.
        try harness.addCompletedTask("task-after-loss", results: [harness.server.url("after.bin")])
        service.wake()
        #expect(try harness.waitForJob("task-after-loss")?.sha256 == after)
    }

    @Test("a write the ledger refuses because the job was taken over stops the job too (no renewal needed)")
    func refusedWriteStops() throws {
        let harness = try DownloadHarness()
        _ = try harness.server.makeFile("fenced.bin", size: 4 << 20)
        try harness.addCompletedTask("task-fenced", results: [harness.server.url("fenced.bin", query: "pace=0.05")])
        let service = try harness.start()
        #expect(harness.waitUntil { (try? harness.ledger.downloadJob(taskID: "task-fenced"))?.bytesDone ?? 0 > 0 })
        let other = try Ledger.open(path: harness.directory.file("ledger.sqlite"))
        _ = try #require(try other.claimNextDownload(now: Date().addingTimeInterval(31)))
        // The next checkpoint is refused; the worker stops without a further word.
        #expect(harness.waitUntil { service.runningTaskIDs.isEmpty })
        #expect(!harness.logs.events("download.lease_lost", task: "task-fenced").isEmpty, "\(harness.logs.text)")
        #expect(try other.downloadJob(taskID: "task-fenced")?.owner == other.instanceID)
    }

    @Test("a partial file whose recorded bytes are another archive folder's is not resumed: the download starts over")
    func foreignPartialStartsOver() throws {
        let harness = try DownloadHarness()
        let expected = try harness.server.makeFile("foreign-partial.bin", size: 1 << 20)
        let key = uniqueKey("foreignpartial")
        try harness.addCompletedTask("task-foreign", results: [harness.server.url("foreign-partial.bin", query: "key=\(key)")])
        // This folder's file from an earlier attempt (other bytes); since then another
        // instance moved the job on in its own folder, to 512 KiB.
        try FileManager.default.createDirectory(atPath: harness.archive + "/.partial", withIntermediateDirectories: true)
        try Data(repeating: 0xAB, count: 700 << 10).write(to: URL(fileURLWithPath: harness.archive + "/.partial/task-foreign.0.part"))
        try harness.ledger.recordDownloadResponse(
            taskID: "task-foreign",
            facts: DownloadResponseFacts(bytesTotal: 1 << 20, etag: "\"f\"", lastModified: nil, contentType: "video/mp4"),
            bytesDone: 512 << 10)
        try harness.ledger.setDownloadPartialPath(taskID: "task-foreign", path: "/elsewhere/.partial/task-foreign.0.part",
                                                  archive: "arch_00000000000000aa")
        try harness.start()
        let job = try harness.waitForJob("task-foreign")
        #expect(job?.state == .done && job?.sha256 == expected)
        #expect(harness.server.requests(key: key).first?.range == nil, "from the first byte")
        #expect(!harness.logs.events("download.partial_foreign", task: "task-foreign").isEmpty)
        let identity = try String(contentsOfFile: harness.archive + "/.partial-id", encoding: .utf8)
        #expect(identity.hasPrefix("arch_") && job?.partialArchive == identity.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
