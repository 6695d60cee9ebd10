import Foundation
import Ledger
import TestSupport
import Testing
@testable import Downloader

/// Faults that a retry gets past: each one ends in the archived file matching the
/// server's, resumed with `Range` where bytes could be kept, started over where not.
@Suite("Faults are retried and resumed, never spliced", .serialized)
struct FaultRecoveryTests {
    @Test("a connection reset at 30 % resumes from the bytes on disk with Range and If-Range",
          arguments: [true, false])
    func resetAtThirtyPercentResumes(writesDirect: Bool) throws {
        // Direct writes, and every write through the page cache (a file system without O_DIRECT).
        let harness = try DownloadHarness { $0.writesDirect = writesDirect }
        let expected = try harness.server.makeFile("reset.bin", size: 4 << 20)
        let key = uniqueKey("reset")
        try harness.addCompletedTask("task-reset", results: [harness.server.url("reset.bin", query: "key=\(key)&reset=0.3&times=1")])
        try harness.start()
        let job = try #require(try harness.waitForJob("task-reset"))
        #expect(job.state == .done, "\(job.lastError ?? "")")
        #expect(job.attempts == 1)
        #expect(try FileServer.sha256(of: try #require(job.archivePath)) == expected)
        let requests = harness.server.requests(key: key)
        #expect(requests.count == 2)
        let range = try #require(requests.last?.range)
        let offset = try #require(Int(range.dropFirst("bytes=".count).dropLast()))
        #expect(offset > 0 && offset <= (4 << 20) * 3 / 10 + 65_536, "resumed from \(offset)")
        #expect(requests.last?.if_range?.hasPrefix("\"") == true)
        #expect(requests.last?.status == 206)
        let retry = try #require(harness.logs.events("download.retry", task: "task-reset").first)
        #expect(retry.metadata["attempt"] == "1")
        #expect(retry.metadata["next_attempt"] != nil)
        #expect(retry.metadata["reason"]?.isEmpty == false)
    }

    @Test("a stall past the read timeout fails the attempt and the next one resumes")
    func stallPastReadTimeoutResumes() throws {
        let harness = try DownloadHarness { $0.readTimeout = .milliseconds(700) }
        let expected = try harness.server.makeFile("stall.bin", size: 3 << 20)
        let key = uniqueKey("stall")
        try harness.addCompletedTask("task-stall", results: [
            harness.server.url("stall.bin", query: "key=\(key)&stall=0.4&stall_seconds=4&times=1"),
        ])
        let started = Date()
        try harness.start()
        let job = try #require(try harness.waitForJob("task-stall"))
        #expect(job.state == .done, "\(job.lastError ?? "")")
        #expect(Date().timeIntervalSince(started) < 3.5, "the read timeout, not the server's 4 s stall, ended the attempt")
        #expect(try FileServer.sha256(of: try #require(job.archivePath)) == expected)
        let reason = harness.logs.events("download.retry", task: "task-stall").first?.metadata["reason"] ?? ""
        #expect(reason.contains("read timeout"), "\(reason)")
        #expect(harness.server.requests(key: key).last?.range?.hasPrefix("bytes=") == true)
    }

    @Test("a 503 is retried after its Retry-After, then the 200 is archived")
    func serviceUnavailableThenOK() throws {
        let harness = try DownloadHarness { $0.retryMaxDelay = .seconds(2) }
        let expected = try harness.server.makeFile("busy.bin", size: 1 << 20)
        let key = uniqueKey("busy")
        try harness.addCompletedTask("task-busy", results: [
            harness.server.url("busy.bin", query: "key=\(key)&status=503&retry_after=1&times=2"),
        ])
        let started = Date()
        try harness.start()
        let job = try #require(try harness.waitForJob("task-busy"))
        #expect(job.state == .done)
        #expect(job.attempts == 2)
        #expect(job.sha256 == expected)
        #expect(Date().timeIntervalSince(started) >= 2.0, "Retry-After: 1 was honoured before each retry")
        let retries = harness.logs.events("download.retry", task: "task-busy")
        #expect(retries.map { $0.metadata["attempt"] } == ["1", "2"])
        #expect(retries.allSatisfy { $0.metadata["reason"]?.contains("503") == true })
        #expect(harness.server.requests(key: key).map(\.status) == [503, 503, 200])
    }

    @Test("a 200 where a 206 was asked throws the partial bytes away and starts over")
    func wholeFileInsteadOfRangeStartsOver() throws {
        let harness = try DownloadHarness()
        let expected = try harness.server.makeFile("norange.bin", size: 3 << 20)
        let key = uniqueKey("norange")
        try harness.addCompletedTask("task-norange", results: [
            harness.server.url("norange.bin", query: "key=\(key)&reset=0.5&times=1&norange=1"),
        ])
        try harness.start()
        let job = try #require(try harness.waitForJob("task-norange"))
        #expect(job.state == .done)
        #expect(try FileServer.sha256(of: try #require(job.archivePath)) == expected)
        let second = try #require(harness.server.requests(key: key).last)
        #expect(second.range != nil && second.status == 200)
        let restarted = try #require(harness.logs.events("download.restarted", task: "task-norange").first)
        #expect(restarted.metadata["reason"]?.contains("200") == true)
        #expect(Int(restarted.metadata["discarded_bytes"] ?? "") ?? 0 > 0)
    }

    @Test("a Content-Length larger than the body: the short body is retried, the server's 416 restarts it, the file matches")
    func contentLengthTooLarge() throws {
        let harness = try DownloadHarness()
        let expected = try harness.server.makeFile("longer.bin", size: 1 << 20)
        let key = uniqueKey("longer")
        try harness.addCompletedTask("task-longer", results: [
            harness.server.url("longer.bin", query: "key=\(key)&length_delta=5000&times=1"),
        ])
        try harness.start()
        let job = try #require(try harness.waitForJob("task-longer"))
        #expect(job.state == .done)
        #expect(job.bytesTotal == 1 << 20)
        #expect(try FileServer.sha256(of: try #require(job.archivePath)) == expected)
        #expect(harness.server.requests(key: key).map(\.status) == [200, 416, 200])
        #expect(harness.logs.events("download.retry", task: "task-longer").count == 1)
    }

    @Test("a Content-Length smaller than the body: the extra bytes are noticed and the file starts over")
    func contentLengthTooSmall() throws {
        let harness = try DownloadHarness()
        let expected = try harness.server.makeFile("shorter.bin", size: 1 << 20)
        let key = uniqueKey("shorter")
        try harness.addCompletedTask("task-shorter", results: [
            harness.server.url("shorter.bin", query: "key=\(key)&length_delta=-5000&times=1"),
        ])
        try harness.start()
        let job = try #require(try harness.waitForJob("task-shorter"))
        #expect(job.state == .done)
        #expect(try FileServer.sha256(of: try #require(job.archivePath)) == expected)
        let reason = harness.logs.events("download.retry", task: "task-shorter").first?.metadata["reason"] ?? ""
        #expect(reason.contains("more bytes than its Content-Length"), "\(reason)")
        #expect(harness.server.requests(key: key).last?.range == nil, "started over, not resumed")
    }

    @Test("a file that changed between attempts (another ETag) is downloaded again whole, never spliced")
    func changedFileRestarts() throws {
        let harness = try DownloadHarness()
        try harness.server.makeFile("version-a.bin", size: 2 << 20)
        let versionB = try harness.server.makeFile("version-b.bin", size: 2 << 20)
        let key = uniqueKey("etag")
        try harness.addCompletedTask("task-etag", results: [
            harness.server.url("version-a.bin", query: "key=\(key)&reset=0.5&times=1&then=version-b.bin"),
        ])
        try harness.start()
        let job = try #require(try harness.waitForJob("task-etag"))
        #expect(job.state == .done)
        #expect(try FileServer.sha256(of: try #require(job.archivePath)) == versionB)
        let requests = harness.server.requests(key: key)
        #expect(requests.count == 2)
        #expect(requests[1].range != nil && requests[1].if_range != nil)
        #expect(requests[1].file == "version-b.bin" && requests[1].status == 200)
        #expect(job.etag != requests[1].if_range, "the ledger holds the new file's ETag")
    }

    @Test("chunked and close-delimited bodies are archived whole", arguments: ["chunked=1", "close=1"])
    func otherFramings(_ framing: String) throws {
        let harness = try DownloadHarness()
        let expected = try harness.server.makeFile("framed-\(framing.prefix(5)).bin", size: 1_500_000)
        let key = uniqueKey("framing")
        let id = "task-framing-\(framing.prefix(5))"
        try harness.addCompletedTask(id, results: [harness.server.url("framed-\(framing.prefix(5)).bin", query: "key=\(key)&\(framing)")])
        try harness.start()
        let job = try #require(try harness.waitForJob(id))
        #expect(job.state == .done, "\(job.lastError ?? "")")
        #expect(job.bytesTotal == 1_500_000)
        #expect(try FileServer.sha256(of: try #require(job.archivePath)) == expected)
    }
}
