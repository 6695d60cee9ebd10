import Foundation
import HTTPClient
import Ledger
import Logging
import TestSupport
import Testing
import URLPolicy
import VideoAPI
@testable import Downloader

/// A ledger, an archive folder and a download service, wired to the shared file server:
/// `files.test`, `wrong.test` and `untrusted.test` resolve to 127.0.0.1, loopback is
/// allowed (`download.allow_internal`), and the tests' CA is trusted (`download.ca_file`).
final class DownloadHarness: @unchecked Sendable {
    // Sendable: the service is set once by `start` from the test's own task.
    let directory = TemporaryDirectory()
    let server: FileServer
    let ledger: Ledger
    let logs = LogCapture()
    var configuration: DownloaderConfiguration
    var policy: URLPolicy
    var connector: any SocketConnector = SystemSocketConnector()
    var refreshLinks: DownloadService.RefreshLinks?
    /// Where finished downloads go; nil is the file archive.
    var destination: (any ArchiveDestination)?
    private(set) var service: DownloadService?

    var archive: String { directory.file("archive") }

    init(configure: (inout DownloaderConfiguration) -> Void = { _ in }) throws {
        server = try FileServer.shared()
        ledger = try Ledger.open(path: directory.file("ledger.sqlite"))
        var configuration = DownloaderConfiguration(
            archiveDirectory: directory.file("archive"), concurrency: 1, maxBytes: 100 << 20,
            caFile: try TestCertificates.shared().caFile, diskReserveBytes: 0,
            connectTimeout: .seconds(2), readTimeout: .seconds(2), attemptTimeout: .seconds(60),
            retryBaseDelay: .milliseconds(50), retryMaxDelay: .milliseconds(200), pollInterval: .milliseconds(100),
            checkpointBytes: 256 << 10, checkpointInterval: .milliseconds(200), progressLogInterval: .milliseconds(200),
            stopTimeout: .seconds(3))
        configure(&configuration)
        self.configuration = configuration
        let loopback = IPAddress(127, 0, 0, 1)
        policy = URLPolicy(allowInternal: true, resolver: FixedHostResolver(addresses: [
            "files.test": [loopback], "wrong.test": [loopback], "untrusted.test": [loopback],
        ]))
    }

    deinit { service?.stop() }

    /// Records a completed callback for `id` whose results are `results`, the way the
    /// intake does, which queues the download job.
    func addCompletedTask(_ id: String, results: [String], created: Date = Date()) throws {
        let object: [String: Any] = [
            "id": id, "object": "video.generation.task", "model": "seedance-1.5-pro",
            "created": Int(created.timeIntervalSince1970), "status": "completed", "progress": 100, "type": "video",
            "results": results, "usage": ["billing_rule": "per_second", "credits_reserved": 5],
        ]
        let body = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        guard case .task(let task) = CallbackBody.classify(body) else {
            throw ProcessRunner.Failure(description: "the test body for \(id) is not a task")
        }
        let outcome = try ledger.record(.event(TaskEvent(task: task, peer: "127.0.0.1:1", receivedAt: Date())))
        #expect(outcome.event?.downloadJobCreated == true)
    }

    /// Starts the service (once) and wakes it.
    @discardableResult
    func start() throws -> DownloadService {
        if let service { return service }
        let made = try DownloadService(ledger: ledger, configuration: configuration, policy: policy, logger: logs.logger,
                                       refreshLinks: refreshLinks, destination: destination, connector: connector)
        try made.start()
        service = made
        made.wake()
        return made
    }

    func stop() -> Bool {
        defer { service = nil }
        return service?.stop() ?? true
    }

    /// Waits until the job of `id` is in one of `states`; returns it (or the last seen).
    @discardableResult
    func waitForJob(_ id: String, in states: Set<DownloadJobState> = [.done, .failed],
                    timeout: Double = 30) throws -> DownloadJobRecord? {
        let until = Date(timeIntervalSinceNow: timeout)
        var job: DownloadJobRecord?
        while Date() < until {
            job = try ledger.downloadJob(taskID: id)
            if let job, states.contains(job.state) { return job }
            Thread.sleep(forTimeInterval: 0.02)
        }
        Issue.record("job \(id) is still \(job?.state.rawValue ?? "missing") after \(timeout) s; log:\n\(logs.text)")
        return job
    }

    /// Waits until `condition` holds or `timeout` passes; returns whether it held.
    func waitUntil(timeout: Double = 10, _ condition: () throws -> Bool) rethrows -> Bool {
        try Polling.until(timeout: timeout, every: 0.01, condition)
    }

    /// `<archive>/<yyyy>/<mm>/<dd>` of a task created now (or at `created`).
    func dayFolder(created: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy/MM/dd"
        return archive + "/" + formatter.string(from: created)
    }

    /// Every file under the archive except `.partial`, relative to it, sorted.
    func archivedFiles() -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: archive) else { return [] }
        var files: [String] = []
        while let next = walker.nextObject() as? String {
            if next.hasPrefix(".partial") { continue }
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: archive + "/" + next, isDirectory: &isDirectory), !isDirectory.boolValue {
                files.append(next)
            }
        }
        return files.sorted()
    }

    func partialFiles() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: archive + "/.partial")) ?? []).sorted()
    }
}
