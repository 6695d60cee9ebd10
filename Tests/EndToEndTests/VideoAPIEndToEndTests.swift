import Foundation
import Ledger
import TestSupport
import Testing
import VideoAPI

/// The video API inside the real `videohookd serve`: completed callbacks confirmed by
/// `GET /v1/tasks/{id}` before download, the reconciler finding a lost callback, a 403
/// on a video link refreshed through the API. The fake API is also the CDN: its videos
/// are served from 127.0.0.1 (`download.allow_internal`), its certificate from the tests'
/// CA (`api.ca_file`, `download.ca_file`).
@Suite("The video API in serve, end to end", .serialized)
final class VideoAPIEndToEndTests {
    static let key = "sk-serve-secret-key-91c4"
    let api: FakeVideoAPI
    let videoFile: String
    let videoBytes = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })

    init() throws {
        api = try FakeVideoAPI(requireKey: Self.key)
        videoFile = api.directory + "/video.mp4"
        try videoBytes.write(to: URL(fileURLWithPath: videoFile))
    }

    deinit { api.removeFiles() }

    func daemon(key: String? = key, acceptUnknown: Bool = true) throws -> DaemonProcess {
        var api = """
            api:
              base_url: \(self.api.baseURL)
              ca_file: \(self.api.certificates.caFile)
              reconcile_grace: 0s
              accept_unknown_tasks: \(acceptUnknown)
            """
        if let key { api += "\n  key: \(key)" }
        return try DaemonProcess(config: """
            public_url: https://9.9.9.9:8443
            \(api)
            download:
              ca_file: \(self.api.certificates.caFile)
              allow_internal: true
            disk_reserve_bytes: 0
            """)
    }

    static func newID(_ tag: String) -> String {
        "task-unified-\(Int(Date().timeIntervalSince1970))-\(tag)"
    }

    func url(_ path: String) -> String { api.baseURL + path }

    static func body(_ id: String, status: String, results: [String] = [], created: Int = Int(Date().timeIntervalSince1970),
                     estimated: Int = 30) -> String {
        let list = results.map { "\"\($0)\"" }.joined(separator: ",")
        let error = status == "failed" ? #","error":{"code":"content_policy_violation","message":"refused"}"# : ""
        return #"{"id":"\#(id)","object":"video.generation.task","model":"seedance-1.5-pro","created":\#(created),"status":"\#(status)","progress":\#(status == "completed" ? 100 : 0),"type":"video","results":[\#(list)],"task_info":{"can_cancel":false,"estimated_time":\#(estimated),"video_duration":5}\#(error)}"#
    }

    static func detail(_ daemon: DaemonProcess, _ id: String) -> TaskDetail? {
        (try? Ledger.openForReading(path: daemon.ledgerFile).task(id: TaskID(id)!)) ?? nil
    }

    static func wait(timeout: Double = 30, _ condition: () -> Bool) -> Bool {
        Polling.until(timeout: timeout, condition)
    }

    func post(_ daemon: DaemonProcess, _ body: String) throws -> TestResponse {
        try daemon.connect().post(daemon.callbackPath, body: body)
    }

    func archived(_ daemon: DaemonProcess, _ id: String) -> Data? {
        guard let job = Self.detail(daemon, id)?.downloadJob, job.state == .done, let path = job.archivePath else { return nil }
        return FileManager.default.contents(atPath: path)
    }

    func logLines(_ daemon: DaemonProcess, _ event: String, _ id: String) -> [String] {
        daemon.logLines().filter { $0.contains("event=\(event)") && $0.contains(id) }
    }

    @Test("A completed callback is confirmed by the API before its download, and the API's URL is the one fetched")
    func confirmedThenDownloaded() throws {
        let id = Self.newID("confirm1")
        api.script(["GET /v1/tasks/\(id)": [.json(200, Self.body(id, status: "completed", results: [url("/cdn/\(id).mp4?sig=api")]))],
                    "GET /cdn/\(id).mp4": [.file(videoFile)]])
        let daemon = try daemon()
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let answer = try post(daemon, Self.body(id, status: "completed", results: [url("/cdn/\(id).mp4?sig=callback")]))
        #expect(answer.status == 200)
        #expect(Self.wait { archived(daemon, id) != nil }, "\(daemon.logLines().suffix(10))")
        #expect(archived(daemon, id) == videoBytes)
        #expect(api.requests("GET /v1/tasks/\(id)").first?.headers["authorization"] == "Bearer \(Self.key)")
        let fetched = api.requests("GET /cdn/\(id).mp4").map(\.path)
        #expect(!fetched.isEmpty && fetched.allSatisfy { $0.hasSuffix("sig=api") }, "\(fetched)")
        #expect(Self.detail(daemon, id)?.task.verification == .verified)
        let accepted = logLines(daemon, "callback.accepted", id)
        #expect(accepted.first?.contains("verification=pending") == true, "\(accepted)")
        #expect(!logLines(daemon, "callback.verified", id).isEmpty)
        #expect(!daemon.logLines().joined().contains(Self.key), "the API key reached the log")
    }

    @Test("A forged callback (other results than the API's) is recorded and warned about; its URL is never fetched")
    func forgedCallbackNotDownloaded() throws {
        let id = Self.newID("forged01")
        api.script(["GET /v1/tasks/\(id)": [.json(200, Self.body(id, status: "completed", results: [url("/cdn/\(id).mp4")]))],
                    "GET /cdn/\(id).mp4": [.file(videoFile)],
                    "GET /forged/evil.mp4": [.file(videoFile)]])
        let daemon = try daemon()
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        #expect(try post(daemon, Self.body(id, status: "completed", results: [url("/forged/evil.mp4")])).status == 200)
        #expect(Self.wait { archived(daemon, id) != nil })
        #expect(api.requests("GET /forged/evil.mp4").isEmpty, "the forged URL was fetched")
        let detail = try #require(Self.detail(daemon, id))
        #expect(detail.task.verification == .contradicted)
        #expect(detail.downloadJob?.sourceURL == url("/cdn/\(id).mp4"))
        let warnings = logLines(daemon, "callback.contradicted", id)
        #expect(warnings.count == 1 && warnings[0].contains("level=warning"), "\(warnings)")
        #expect(detail.events.contains { $0.status == .completed && $0.results == [url("/forged/evil.mp4")] },
                "the forged callback is kept as an event")
    }

    @Test("A completed callback for a task the API says failed: recorded, warned about, nothing downloaded")
    func contradictedByFailure() throws {
        let id = Self.newID("failed01")
        api.script(["GET /v1/tasks/\(id)": [.json(200, Self.body(id, status: "failed"))],
                    "GET /cdn/\(id).mp4": [.file(videoFile)]])
        let daemon = try daemon()
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        #expect(try post(daemon, Self.body(id, status: "completed", results: [url("/cdn/\(id).mp4")])).status == 200)
        #expect(Self.wait { Self.detail(daemon, id)?.task.verification == .contradicted })
        Thread.sleep(forTimeInterval: 0.5)
        #expect(Self.detail(daemon, id)?.downloadJob == nil)
        #expect(api.requests("GET /cdn/\(id).mp4").isEmpty)
        #expect(Self.detail(daemon, id)?.task.verificationNote?.contains("the video API says the task failed") == true)
        #expect(logLines(daemon, "callback.contradicted", id).count == 1)
    }

    @Test("Without an API key the callback is downloaded at once and the log says it is unverified")
    func withoutKeyUnverified() throws {
        let id = Self.newID("nokey001")
        api.script(["GET /cdn/\(id).mp4": [.file(videoFile)]])
        let daemon = try daemon(key: nil)
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        #expect(try post(daemon, Self.body(id, status: "completed", results: [url("/cdn/\(id).mp4")])).status == 200)
        #expect(Self.wait { archived(daemon, id) != nil }, "\(daemon.logLines().filter { $0.contains("download") })")
        let accepted = logLines(daemon, "callback.accepted", id)
        #expect(accepted.first?.contains("verification=unverified") == true, "\(accepted)")
        #expect(accepted.first?.contains("submitted_by_us=false") == true)
        #expect(api.requests().allSatisfy { !$0.path.hasPrefix("/v1/") }, "the API was asked without a key")
    }

    @Test("A callback for a task never submitted: accepted and marked by default, refused with accept_unknown_tasks false")
    func unknownTasks() throws {
        let id = Self.newID("unknown1")
        let refusing = try daemon(key: nil, acceptUnknown: false)
        defer { refusing.stop(); refusing.removeFiles() }
        try refusing.start()
        let answer = try post(refusing, Self.body(id, status: "processing"))
        #expect(answer.status == 403)
        #expect(answer.text.contains("permission_error"))
        #expect(Self.detail(refusing, id) == nil)
        let rejected = try Ledger.openForReading(path: refusing.ledgerFile).rejectedBodies()
        #expect(rejected.first?.statusCode == 403)
        #expect(!logLines(refusing, "callback.unknown_task_refused", id).isEmpty)

        let accepting = try daemon(key: nil)
        defer { accepting.stop(); accepting.removeFiles() }
        try accepting.start()
        #expect(try post(accepting, Self.body(id, status: "processing")).status == 200)
        #expect(Self.detail(accepting, id)?.task.submittedByUs == false)
    }

    @Test("A lost callback: the reconciler finds the submitted task completed and the video is archived")
    func lostCallbackReconciled() throws {
        let id = Self.newID("lostcb01")
        let created = Int(Date().timeIntervalSince1970) - 60
        api.script(["POST /v1/videos/generations": [.json(200, Self.body(id, status: "pending", created: created, estimated: 10))],
                    "GET /v1/tasks/\(id)": [.json(200, Self.body(id, status: "completed", results: [url("/cdn/\(id).mp4")],
                                                                 created: created))],
                    "GET /cdn/\(id).mp4": [.file(videoFile)]])
        let daemon = try daemon()
        defer { daemon.stop(); daemon.removeFiles() }
        let submitted = try daemon.command(["submit", "--prompt", "A lighthouse at dusk"])
        #expect(submitted.status == 0, "\(submitted.error)")
        #expect(submitted.output == id + "\n")
        // No callback ever comes: the daemon was down, the API gave up.
        try daemon.start()
        #expect(Self.wait { archived(daemon, id) != nil }, "\(daemon.logLines().suffix(15))")
        #expect(archived(daemon, id) == videoBytes)
        let detail = try #require(Self.detail(daemon, id))
        #expect(detail.task.submittedByUs && detail.task.status == .completed && detail.task.verification == .verified)
        #expect(detail.events.contains { $0.peer == "api (reconciler)" && $0.applied })
        #expect(!logLines(daemon, "reconcile.found", id).isEmpty)
    }

    @Test("A 403 on the video link: the downloader asks the API for a fresh link and archives from it")
    func expiredLinkRefreshed() throws {
        let id = Self.newID("refresh1")
        api.script(["GET /v1/tasks/\(id)": [
            .json(200, Self.body(id, status: "completed", results: [url("/cdn/old/\(id).mp4")])),
            .json(200, Self.body(id, status: "completed", results: [url("/cdn/new/\(id).mp4")])),
        ],
                    "GET /cdn/old/\(id).mp4": [.apiError(403, type: "permission_error", message: "link expired")],
                    "GET /cdn/new/\(id).mp4": [.file(videoFile)]])
        let daemon = try daemon()
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        #expect(try post(daemon, Self.body(id, status: "completed", results: [url("/cdn/old/\(id).mp4")])).status == 200)
        #expect(Self.wait { archived(daemon, id) != nil }, "\(daemon.logLines().suffix(15))")
        #expect(archived(daemon, id) == videoBytes)
        #expect(api.requests("GET /cdn/old/\(id).mp4").count == 1)
        #expect(api.requests("GET /v1/tasks/\(id)").count == 2, "one to verify, one to refresh")
        #expect(Self.detail(daemon, id)?.downloadJob?.sourceURL == url("/cdn/new/\(id).mp4"))
        #expect(!daemon.logLines().filter { $0.contains("download.link_refreshed") }.isEmpty)
    }
}
