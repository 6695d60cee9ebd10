import Foundation
import Ledger
import TestSupport
import Testing
import VideoAPI

/// Downloads through the real `videohookd serve`: callbacks in over TLS, the video from
/// the tests' HTTPS file server (its own CA trusted through `download.ca_file`, loopback
/// allowed through `download.allow_internal`), files in the archive.
@Suite("Downloads, end to end", .serialized)
struct DownloadEndToEndTests {
    private static func daemon(reuse: String? = nil) throws -> DaemonProcess {
        let certificates = try TestCertificates.shared()
        return try DaemonProcess(config: """
            download:
              ca_file: \(certificates.caFile)
              allow_internal: true
              concurrency: 2
            disk_reserve_bytes: 0
            """, reuse: reuse)
    }

    private static func completedBody(_ id: String, url: String, created: Date = Date()) -> String {
        #"{"id":"\#(id)","object":"video.generation.task","model":"seedance-1.5-pro","created":\#(Int(created.timeIntervalSince1970)),"status":"completed","progress":100,"results":["\#(url)"],"type":"video"}"#
    }

    private static func job(_ daemon: DaemonProcess, _ id: String) -> DownloadJobRecord? {
        (try? Ledger.openForReading(path: daemon.ledgerFile).task(id: TaskID(id)!))??.downloadJob
    }

    private static func wait(timeout: Double = 60, _ condition: () -> Bool) -> Bool {
        Polling.until(timeout: timeout, condition)
    }

    @Test("SIGKILL mid-download, restart: the download resumes from the recorded offset and the file matches")
    func killedMidDownloadResumes() throws {
        let server = try FileServer.shared()
        let expected = try server.makeFile("e2e-kill.bin", size: 40 << 20)
        let key = "e2e-kill-\(UUID().uuidString.prefix(8))"
        // The server stalls at 60 %: past the first 16 MiB checkpoint, long enough to kill.
        let url = "https://127.0.0.1:\(server.port)/files/e2e-kill.bin?key=\(key)&stall=0.6&stall_seconds=120&times=1"
        let id = "task-unified-1761313744-kill0001"
        let first = try Self.daemon()
        defer { first.stop(); first.removeFiles() }
        try first.start()
        let client = try first.connect()
        #expect(try client.post(first.callbackPath, body: Self.completedBody(id, url: url)).status == 200)
        #expect(Self.wait { (Self.job(first, id)?.bytesDone ?? 0) >= 16 << 20 }, "\(first.logLines().suffix(5))")
        #expect(first.stop(signal: SIGKILL) == 128 + SIGKILL) // as a shell reports a death by signal

        let killed = try #require(Self.job(first, id))
        #expect(killed.state == .running, "the process died without a word")
        let partial = try #require(killed.partialPath)
        let onDisk = try #require(try FileManager.default.attributesOfItem(atPath: partial)[.size] as? Int64)
        #expect(onDisk >= killed.bytesDone)

        let second = try Self.daemon(reuse: first.directory)
        defer { second.stop() }
        try second.start()
        #expect(Self.wait { Self.job(second, id)?.state == .done }, "\(second.logLines().suffix(10))")
        let done = try #require(Self.job(second, id))
        #expect(done.sha256 == expected)
        #expect(try FileServer.sha256(of: try #require(done.archivePath)) == expected)
        #expect(done.archivePath?.hasPrefix(first.stateDirectory + "/archive/") == true)
        #expect(FileManager.default.fileExists(atPath: done.archivePath!.replacingOccurrences(of: ".mp4", with: ".json")))
        let requests = server.requests(key: key)
        #expect(requests.count == 2)
        #expect(requests.last?.range == "bytes=\(killed.bytesDone)-", "resumed from the last fsynced, recorded offset")
        #expect(requests.last?.status == 206)
        let log = second.logLines()
        #expect(log.contains { $0.contains("event=download.requeued") && $0.contains("jobs=1") })
        #expect(log.contains { $0.contains("event=download.done") && $0.contains("task_id=\(id)") })
        #expect(!log.contains { $0.contains("stall_seconds") }, "the signed URL's query stays out of the log")
    }

    @Test("SIGTERM during a download: exit 0 within seconds, the offset saved, the next start finishes it")
    func terminatedMidDownloadResumes() throws {
        let server = try FileServer.shared()
        let expected = try server.makeFile("e2e-term.bin", size: 8 << 20)
        let key = "e2e-term-\(UUID().uuidString.prefix(8))"
        let url = "https://127.0.0.1:\(server.port)/files/e2e-term.bin?key=\(key)&stall=0.5&stall_seconds=120&times=1"
        let id = "task-unified-1761313744-term0001"
        let first = try Self.daemon()
        defer { first.stop(); first.removeFiles() }
        try first.start()
        #expect(try first.connect().post(first.callbackPath, body: Self.completedBody(id, url: url)).status == 200)
        // The pause is saved within a second of the server going quiet.
        #expect(Self.wait { (Self.job(first, id)?.bytesDone ?? 0) >= 4 << 20 })
        let stopping = Date()
        #expect(first.stop(signal: SIGTERM) == 0)
        #expect(Date().timeIntervalSince(stopping) < 10, "the stalled read did not hold the exit")
        let saved = try #require(Self.job(first, id))
        #expect(saved.state == .queued && saved.attempts == 0)
        #expect(first.logLines().contains { $0.contains("event=download.stopped") && $0.contains("task_id=\(id)") })

        let second = try Self.daemon(reuse: first.directory)
        defer { second.stop() }
        try second.start()
        #expect(Self.wait { Self.job(second, id)?.state == .done })
        #expect(Self.job(second, id)?.sha256 == expected)
        #expect(server.requests(key: key).last?.range == "bytes=\(saved.bytesDone)-")
    }

    @Test("a disk short of its reserve pauses downloads and says so in /readyz, while callbacks are still taken")
    func diskReserveInReadiness() throws {
        let certificates = try TestCertificates.shared()
        let daemon = try DaemonProcess(config: """
            download:
              ca_file: \(certificates.caFile)
              allow_internal: true
            disk_reserve_bytes: 1000 TiB
            """)
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let id = "task-unified-1761313744-full0001"
        let answer = try daemon.connect().post(daemon.callbackPath, body: Self.completedBody(id, url: "https://127.0.0.1:1/v.mp4"))
        #expect(answer.status == 200)
        #expect(Self.wait(timeout: 10) {
            let readiness = try? TestClient.connectPlain(port: daemon.adminPort).get("/readyz")
            return readiness?.status == 503 && readiness?.text.contains("\"downloads\"") == true
        })
        #expect(Self.job(daemon, id)?.state == .queued)
        #expect(daemon.logLines().contains { $0.contains("event=download.paused") })
    }

    @Test("200 duplicate callbacks for one task at once: one job, one download, one file")
    func duplicateCallbacksOneDownload() throws {
        let server = try FileServer.shared()
        let expected = try server.makeFile("e2e-dup.bin", size: 4 << 20)
        let key = "e2e-dup-\(UUID().uuidString.prefix(8))"
        let url = "https://127.0.0.1:\(server.port)/files/e2e-dup.bin?key=\(key)"
        let id = "task-unified-1761313744-dupl0001"
        let daemon = try Self.daemon()
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let statuses = StatusList()
        DispatchQueue.concurrentPerform(iterations: 200) { _ in
            do {
                let client = try daemon.connect()
                statuses.add(try client.post(daemon.callbackPath, body: Self.completedBody(id, url: url)).status)
            } catch {
                statuses.add(-1)
            }
        }
        #expect(statuses.all.count == 200 && statuses.all.allSatisfy { $0 == 200 }, "\(statuses.all.filter { $0 != 200 })")
        #expect(Self.wait { Self.job(daemon, id)?.state == .done })
        let counts = try Ledger.openForReading(path: daemon.ledgerFile).counts()
        #expect(counts.downloadJobs == 1 && counts.duplicates == 199)
        #expect(server.requests(key: key).count == 1, "one download")
        #expect(Self.job(daemon, id)?.sha256 == expected)
        let archive = daemon.stateDirectory + "/archive"
        let files = (FileManager.default.enumerator(atPath: archive)?.allObjects as? [String] ?? [])
            .filter { $0.hasSuffix(".mp4") || $0.hasSuffix(".json") }
        #expect(files.count == 2, "\(files)")
        #expect(daemon.logLines().filter { $0.contains("event=download.started") }.count == 1)
    }

    @Test("show reports the download; retry puts a failed job back and the running daemon finishes it")
    func showAndRetry() throws {
        let server = try FileServer.shared()
        let name = "e2e-late-\(UUID().uuidString.prefix(8)).bin"
        let key = "e2e-retry-\(UUID().uuidString.prefix(8))"
        let url = "https://127.0.0.1:\(server.port)/files/\(name)?key=\(key)"
        let id = "task-unified-1761313744-retry001"
        let daemon = try Self.daemon()
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        #expect(try daemon.connect().post(daemon.callbackPath, body: Self.completedBody(id, url: url)).status == 200)
        // Not on the server yet: 404, failed for good.
        #expect(Self.wait { Self.job(daemon, id)?.state == .failed })
        let failed = try daemon.command(["show", id])
        #expect(failed.status == 0)
        #expect(failed.output.contains("state       failed"))
        #expect(failed.output.contains("last error  HTTP 404"))
        #expect(failed.output.contains("attempts    1 in all"))

        let notFailed = try daemon.command(["retry", "task-unified-1761313744-nothere1"])
        #expect(notFailed.status == 1 && notFailed.error.contains("no task"))

        let expected = try server.makeFile(name, size: 1 << 20)
        let retried = try daemon.command(["retry", id])
        #expect(retried.status == 0, "\(retried.error)")
        #expect(retried.output.contains("queued the download of \(id) again"))
        #expect(Self.wait(timeout: 30) { Self.job(daemon, id)?.state == .done })
        let shown = try daemon.command(["show", id])
        #expect(shown.output.contains("state       done"))
        #expect(shown.output.contains("bytes       1048576 of 1048576 (100 %)"))
        #expect(shown.output.contains("sha256      \(expected)"))
        #expect(shown.output.contains("archive     " + daemon.stateDirectory + "/archive/"))
        let again = try daemon.command(["retry", id])
        #expect(again.status == 1 && again.error.contains("is done"))
    }
}

/// Statuses collected from many threads.
private final class StatusList: @unchecked Sendable {
    // Sendable: `values` is only touched under `lock`.
    private let lock = NSLock()
    private var values: [Int] = []
    func add(_ status: Int) { lock.lock(); values.append(status); lock.unlock() }
    var all: [Int] { lock.lock(); defer { lock.unlock() }; return values }
}
