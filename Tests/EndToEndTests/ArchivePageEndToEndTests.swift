import Foundation
import Ledger
import TestSupport
import Testing
import VideoAPI

/// The archive page in a real browser: headless Chromium (Debian's, through Selenium and
/// chromedriver) against the real `videohookd serve`, whose downloads come from the tests'
/// HTTPS file server serving a real MP4 that ffmpeg made. Screenshots go to
/// `.build/test-output/archive-page/`.
@Suite("The archive page in Chromium, end to end", .serialized)
struct ArchivePageEndToEndTests {
    static let screenshots = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".build/test-output/archive-page").path

    private static func daemon() throws -> DaemonProcess {
        let certificates = try TestCertificates.shared()
        return try DaemonProcess(config: """
            download:
              ca_file: \(certificates.caFile)
              allow_internal: true
            disk_reserve_bytes: 0
            """)
    }

    private static func completedBody(_ id: String, url: String) -> String {
        #"{"id":"\#(id)","object":"video.generation.task","model":"seedance-1.5-pro","created":\#(Int(Date().timeIntervalSince1970)),"status":"completed","progress":100,"results":["\#(url)"],"type":"video"}"#
    }

    private static func job(_ daemon: DaemonProcess, _ id: String) -> DownloadJobRecord? {
        (try? Ledger.openForReading(path: daemon.ledgerFile).task(id: TaskID(id)!))??.downloadJob
    }

    @Test("the list shows the archived task, its page the timeline, the player plays the MP4 with its poster, a failed download is retried from the page with live progress")
    func browseWatchRetry() throws {
        let server = try FileServer.shared()
        let name = "page-e2e-\(UInt32.random(in: 0...UInt32.max)).mp4"
        let sha256 = try TestVideo.make(at: server.root + "/" + name, seconds: 2)
        let archived = "task-unified-1765000000-page0001"
        let failing = "task-unified-1765000000-page0002"
        let refused = "task-unified-1765000000-page0003"
        let daemon = try Self.daemon()
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let client = try daemon.connect()

        // One video archived straight away; one whose link answers 404 once (failed for
        // good), then serves the video slowly (so its progress can be watched); one
        // task the API failed, with markup in its error message.
        #expect(try client.post(daemon.callbackPath, body: Self.completedBody(archived, url: server.url(name, host: "127.0.0.1"))).status == 200)
        let failingKey = uniqueKey("page-e2e-fail")
        let failingURL = server.url(name, host: "127.0.0.1", query: "key=\(failingKey)&status=404&times=1&chunk_bytes=4096&pace=1")
        #expect(try client.post(daemon.callbackPath, body: Self.completedBody(failing, url: failingURL)).status == 200)
        let hostile = #"{"id":"\#(refused)","object":"video.generation.task","status":"failed","created":1765000000,"error":{"code":"content_policy_violation","message":"<script>alert(1)</script><img src=x onerror=alert(2)>"}}"#
        #expect(try client.post(daemon.callbackPath, body: hostile).status == 200)
        #expect(Polling.until(timeout: 60) { Self.job(daemon, archived)?.state == .done }, "\(daemon.logLines().suffix(10))")
        #expect(Polling.until(timeout: 60) { Self.job(daemon, failing)?.state == .failed }, "\(daemon.logLines().suffix(10))")
        let video = try #require(Self.job(daemon, archived)?.archivePath)
        #expect(Self.job(daemon, archived)?.sha256 == sha256)
        let poster = (video as NSString).deletingPathExtension + ".poster.jpg"
        #expect(Polling.until(timeout: 30) { FileManager.default.fileExists(atPath: poster) },
                "no poster beside \(video): \(daemon.logLines().filter { $0.contains("poster") })")

        let browser = try Browser()
        defer { browser.quit() }
        let base = "http://127.0.0.1:\(daemon.adminPort)"
        let shots = Self.screenshots
        let failure = "screenshots in \(shots)"

        // The list: newest first, each task with its status and download.
        try browser.open(base + "/")
        try browser.screenshot(shots + "/1-list.png")
        let rows = try browser.script(#"return Array.from(document.querySelectorAll("tr.task")).map(r => r.dataset.taskId)"#) as? [String]
        #expect(Set(rows ?? []) == [archived, failing, refused], "\(failure)")
        let archivedRow = #"tr.task[data-task-id="\#(archived)"]"#
        #expect(try browser.text(archivedRow + " .status") == "completed")
        #expect(try browser.text(archivedRow + " .state") == "done")
        let size = try FileManager.default.attributesOfItem(atPath: video)[.size] as? Int ?? 0
        #expect(try browser.text(archivedRow + " td:nth-child(6)") == Self.displayBytes(size), "\(failure)")
        #expect(try browser.text(#"tr.task[data-task-id="\#(failing)"] .state"#) == "failed")

        // The search finds a task by a prefix of its id.
        try browser.type("input[name=q]", String(refused.prefix(30)))
        try browser.click(".filters button", thenAt: "/?status=&day=&q=\(refused.prefix(30))")
        #expect(try browser.count("tr.task") == 3, "the three share the prefix")
        try browser.type("input[name=q]", refused)
        try browser.click(".filters button", thenAt: "/?status=&day=&q=\(refused)")
        #expect(try browser.count("tr.task") == 1)

        // A value with markup from outside is text on the page, and runs nothing.
        try browser.click(#"a[href="/tasks/\#(refused)"]"#, thenAt: "/tasks/\(refused)")
        let facts = try browser.texts(".facts dd")
        #expect(facts.contains("content_policy_violation: <script>alert(1)</script><img src=x onerror=alert(2)>"), "\(facts)")
        #expect(try browser.count(".facts dd img") == 0 && browser.count(".facts dd script") == 0)
        try browser.screenshot(shots + "/2-markup-as-text.png")

        // The archived task's page: the timeline, the attempts, the sidecar, the player.
        try browser.open(base + "/")
        try browser.click(#"a[href="/tasks/\#(archived)"]"#, thenAt: "/tasks/\(archived)")
        #expect(try browser.text("h1.task-title").hasPrefix(archived))
        #expect(try browser.texts("#events tbody tr").count == 1)
        #expect(try browser.text("#events tbody tr").contains("completed"))
        #expect(try browser.text("#attempts tbody tr").contains("done"))
        #expect(try browser.text("#sidecar").contains(sha256))
        #expect(try browser.attribute("#player", "poster") == base + "/tasks/\(archived)/poster.jpg")
        #expect(try browser.script(#"return fetch("/tasks/\#(archived)/poster.jpg").then(r => r.status + " " + r.headers.get("content-type"))"#)
                as? String == "200 image/jpeg")
        try browser.script(#"const v = document.getElementById("player"); v.muted = true; return v.play().then(() => true)"#)
        let played = try browser.wait(#"const v = document.getElementById("player"); return v.readyState === 4 && v.currentTime > 0.8 ? [v.readyState, v.currentTime, v.duration, v.videoWidth] : null"#,
                                      timeout: 15) as? [Any]
        #expect((played?[2] as? Double).map { abs($0 - 2) < 0.1 } == true, "\(played ?? [])")
        #expect(played?[3] as? Int == 320)
        try browser.screenshot(shots + "/3-task-playing.png")

        // The failed download, retried from its page: the bar moves without a reload (at
        // the downloader's checkpoints, every 5 s: the file server sends 4 KiB a second),
        // then the page reloads itself into the player.
        try browser.open(base + "/tasks/\(failing)")
        #expect(try browser.text("#download-error").contains("HTTP 404"))
        try browser.screenshot(shots + "/4-failed.png")
        try browser.click("#retry", thenAt: "/tasks/\(failing)?done=retry")
        #expect(try browser.text("#notice") == "The download is queued again.")
        try browser.script("window.notReloaded = true; return true")
        let moving = try browser.wait(##"const p = document.querySelector("#download progress"); return window.notReloaded && p && p.value > 0 && p.value < 100 ? p.value : null"##,
                                      timeout: 30)
        #expect((moving as? Double).map { $0 > 0 && $0 < 100 } == true, "the bar moved while the download ran: \(moving ?? "nil")")
        try browser.screenshot(shots + "/5-retry-progress.png")
        try browser.wait(#"return !window.notReloaded && !!document.getElementById("player")"#, timeout: 60)
        #expect(try browser.currentURL() == base + "/tasks/\(failing)", "loaded again without the action's notice")
        #expect(try browser.count("#notice") == 0)
        #expect(Self.job(daemon, failing)?.state == .done)
        #expect(Self.job(daemon, failing)?.sha256 == sha256)
        #expect(try browser.text("#attempts tbody").contains("failed"), "the failed attempt stays in the story")
        try browser.screenshot(shots + "/6-retried-archived.png")

        // Nothing the page does is refused by its own Content-Security-Policy.
        let console = try browser.console()
        #expect(!console.contains { $0.contains("Content Security Policy") || $0.contains("Refused to") }, "\(console)")
    }

    @Test("off loopback the page asks for the admin token: the login form, a wrong token refused, the list after the right one, log out")
    func loginWithTheToken() throws {
        let token = "page-e2e-admin-token-0123456789"
        let daemon = try DaemonProcess(adminListen: "0.0.0.0:0", config: """
            admin:
              token: \(token)
            """)
        defer { daemon.stop(); daemon.removeFiles() }
        try daemon.start()
        let browser = try Browser()
        defer { browser.quit() }
        let base = "http://127.0.0.1:\(daemon.adminPort)"
        let failure = "screenshots in \(Self.screenshots)"

        try browser.open(base + "/")
        #expect(try browser.currentURL() == base + "/login", "a page without a session goes to the form")
        #expect(try browser.text("h1") == "Log in")
        #expect(try browser.script("return getComputedStyle(document.querySelector('.login')).backgroundColor") as? String
                == "rgb(255, 255, 255)", "the form has the page's stylesheet: \(failure)")
        try browser.screenshot(Self.screenshots + "/7-login.png")

        try browser.type("input[name=token]", "not-the-token-at-all")
        try browser.click("button[type=submit]")
        try browser.wait("return !!document.getElementById('login-error')")
        #expect(try browser.text("#login-error").contains("That is not the admin token"))
        #expect(try browser.script("return document.cookie") as? String == "", "no session, and the cookie is HttpOnly anyway")

        try browser.type("input[name=token]", token)
        try browser.click("button[type=submit]", thenAt: base + "/")
        #expect(try browser.text("#empty").contains("No task yet"))
        #expect(try browser.script("return document.cookie") as? String == "", "the session cookie is HttpOnly")
        try browser.screenshot(Self.screenshots + "/8-logged-in-empty.png")

        try browser.click(".logout button", thenAt: base + "/login")
        try browser.open(base + "/")
        #expect(try browser.currentURL() == base + "/login", "logged out: the form again")
        let console = try browser.console()
        #expect(!console.contains { $0.contains("Content Security Policy") || $0.contains("Refused to") }, "\(console)")
    }

    static func displayBytes(_ count: Int) -> String {
        if count < 1024 { return "\(count) B" }
        let kib = Double(count) / 1024
        return kib < 10 ? String(format: "%.1f KiB", kib) : String(format: "%.0f KiB", kib)
    }
}
