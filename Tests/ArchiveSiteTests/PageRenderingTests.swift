import Dispatch
import Foundation
import HTTP
import Ledger
import Logging
import Server
import TestSupport
import Testing
import VideoAPI
@testable import ArchiveSite

/// The archive's pages rendered through the site's own router against a real SQLite
/// ledger: what a value holding markup turns into, the empty states, the paging links,
/// the forms and their CSRF token, the files the page loads.
@Suite("The archive page's HTML")
struct PageRenderingTests {
    /// A site on a fresh ledger, on loopback (open, but a state change needs the CSRF token).
    final class Site {
        let folder = TemporaryDirectory(prefix: "page-render")
        let ledger: Ledger
        let access = AdminAccess(token: nil, loopback: true)
        let router: Router

        init() throws {
            ledger = try Ledger.open(path: folder.path + "/ledger.sqlite")
            var router = Router()
            ArchiveSite(.init(ledger: ledger, access: access, logger: Logger(label: "test"))).install(on: &router)
            self.router = router
        }

        func request(_ target: String, method: String = "GET", form: [String: String]? = nil) -> HTTPResponse {
            var headers = HTTPHeaders([("Host", "127.0.0.1:9090")])
            var body: [UInt8] = []
            if let form {
                headers.add("Content-Type", "application/x-www-form-urlencoded")
                body = Array(form.map { "\($0.key)=\(ListPageRequest.percentEncoded($0.value))" }.joined(separator: "&").utf8)
            }
            let answered = DispatchSemaphore(value: 0)
            let box = ResponseBox()
            router.handle(HTTPRequest(head: HTTPRequestHead(method: method, target: target, headers: headers), body: body),
                          context: RequestContext(peer: nil, receivedAt: 0, isTLS: false),
                          respond: Responder { response in box.set(response); answered.signal() })
            _ = answered.wait(timeout: .now() + 10)
            return box.get() ?? HTTPResponse(status: 0)
        }

        func html(_ target: String) -> (status: Int, text: String) {
            let response = request(target)
            return (response.status, String(decoding: response.body, as: UTF8.self))
        }

        /// A task submitted here, with `prompt` in its request.
        func submit(_ id: String, prompt: String) throws {
            let body = Data(#"{"id":"\#(id)","object":"video.generation.task","model":"seedance-1.5-pro","created":1765000000,"status":"pending","progress":0,"type":"video"}"#.utf8)
            guard case .task(let task) = CallbackBody.classify(body) else { throw DaemonError("not a task") }
            let request = String(decoding: try JSONSerialization.data(withJSONObject: ["prompt": prompt, "duration": 5]), as: UTF8.self)
            _ = try ledger.record(.submitted(SubmittedTask(answer: task, requestJSON: request)))
        }

        /// A completed callback for `id` (its download queued).
        func complete(_ id: String, created: Int = 1765000000) throws {
            let body = Data(#"{"id":"\#(id)","object":"video.generation.task","model":"seedance-1.5-pro","created":\#(created),"status":"completed","progress":100,"results":["https://cdn.example.com/\#(id).mp4?sig=secret"],"type":"video"}"#.utf8)
            guard case .task(let task) = CallbackBody.classify(body) else { throw DaemonError("not a task") }
            _ = try ledger.record(.event(TaskEvent(task: task, peer: "203.0.113.7")))
        }
    }

    final class ResponseBox: @unchecked Sendable {
        private let lock = NSLock()
        private var response: HTTPResponse?
        func set(_ value: HTTPResponse) { lock.lock(); response = value; lock.unlock() }
        func get() -> HTTPResponse? { lock.lock(); defer { lock.unlock() }; return response }
    }

    @Test("a prompt holding <script> shows as text on the list and on the task's page")
    func markupInAPromptIsText() throws {
        let site = try Site()
        try site.submit("task-unified-1765000000-xss00001", prompt: #"<script>alert(1)</script> & "quotes" 'too'"#)
        for target in ["/", "/tasks/task-unified-1765000000-xss00001"] {
            let page = site.html(target)
            #expect(page.status == 200)
            #expect(page.text.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot; &#39;too&#39;"), "\(target)")
            #expect(!page.text.contains("<script>alert"), "\(target)")
        }
    }

    @Test("the templates write every value escaped: no triple mustache, no unescaped tag")
    func templatesEscapeEverything() {
        for (name, text) in PageTemplates.all {
            #expect(!text.contains("{{{"), "\(name)")
            #expect(!text.contains("{{&"), "\(name)")
        }
    }

    @Test("no inline script or style attribute in any page: the CSP allows neither")
    func noInlineCode() throws {
        let site = try Site()
        try site.complete("task-unified-1765000000-inline01")
        for target in ["/", "/tasks/task-unified-1765000000-inline01", "/?q=nothing", "/tasks/task-unknown-0001"] {
            let text = site.html(target).text
            #expect(!text.contains(" style="), "\(target)")
            #expect(!text.contains(" on"), "\(target): no event handler attribute")
            let scripts = text.components(separatedBy: "<script").dropFirst()
            #expect(scripts.allSatisfy { $0.hasPrefix(#" src="/static/archive.js" defer></script>"#) }, "\(target)")
        }
    }

    @Test("an empty archive says so; a filter that matches nothing says that instead")
    func emptyStates() throws {
        let site = try Site()
        let empty = site.html("/")
        #expect(empty.status == 200)
        #expect(empty.text.contains("No task yet"))
        #expect(!empty.text.contains("<table"))
        try site.complete("task-unified-1765000000-empty001")
        let none = site.html("/?status=failed")
        #expect(none.text.contains("No task matches these filters."))
        #expect(none.text.contains(#"<option value="failed" selected>"#), "the filter stays chosen")
    }

    @Test("a task with no download, no event and no notification says so in each part")
    func taskPageEmptyParts() throws {
        let site = try Site()
        try site.submit("task-unified-1765000000-pend0001", prompt: "a quiet lake")
        let page = site.html("/tasks/task-unified-1765000000-pend0001")
        #expect(page.status == 200)
        #expect(page.text.contains("No video: the task has not completed."))
        #expect(page.text.contains("No download: only a completed task has one."))
        #expect(page.text.contains("No notification event."))
        #expect(page.text.contains("No sidecar until the video is archived."))
        #expect(!page.text.contains("<video"))
    }

    @Test("the list pages 25 at a time: Next, Previous and First page keep the filters, nothing is shown twice")
    func pagingLinks() throws {
        let site = try Site()
        for number in 0..<55 {
            try site.complete(String(format: "task-unified-1765000000-page%04d", number))
        }
        var seen: [String] = []
        var target = "/?q=task-unified"
        var previous: [String] = []
        for expectedRows in [25, 25, 5] {
            let page = site.html(target)
            #expect(page.status == 200)
            let ids = Self.ids(in: page.text)
            #expect(ids.count == expectedRows)
            seen += ids
            let next = Self.link("next-page", in: page.text)
            let back = Self.link("previous-page", in: page.text)
            #expect((next == nil) == (expectedRows == 5))
            #expect((back == nil) == previous.isEmpty)
            if let back { #expect(back == previous.last) }
            #expect(next.map { $0.contains("q=task-unified") } ?? true, "the search stays in the link")
            previous.append(target)
            if let next { target = next }
        }
        #expect(Set(seen).count == 55 && seen.count == 55)
        #expect(seen == seen.sorted(by: >), "newest first, ties by id descending")
        // Previous from the last page gives the second page again, as it was.
        let last = site.html(target)
        let secondAgain = site.html(try #require(Self.link("previous-page", in: last.text)))
        #expect(Self.ids(in: secondAgain.text) == Array(seen[25..<50]))
        #expect(Self.link("first-page", in: last.text) == "/?q=task-unified")
    }

    @Test("bad filters are a 400 page that says what is wrong; an unknown task a 404 page")
    func badRequests() throws {
        let site = try Site()
        let status = site.html("/?status=finished")
        #expect(status.status == 400)
        #expect(status.text.contains("status must be one of pending, processing, completed, failed, cancelled"))
        #expect(site.html("/?day=2026-13-01").text.contains("day must be a date as YYYY-MM-DD"))
        #expect(site.html("/?cursor=nonsense").status == 400)
        #expect(site.html("/?colour=red").text.contains("unknown query parameter &#39;colour&#39;"))
        let long = String(repeating: "x", count: TaskListQuery.maxSearchLength + 1)
        #expect(site.html("/?q=\(long)").status == 400)
        #expect(site.html("/?q=\(long.dropLast())").status == 200, "the longest search allowed")
        let unknown = site.html("/tasks/task-unified-1765000000-nothere1")
        #expect(unknown.status == 404)
        #expect(unknown.text.contains("The ledger has no task task-unified-1765000000-nothere1."))
        #expect(site.request("/tasks/..%2Fetc").status == 404, "an unsafe id matches no page")
    }

    @Test("a completed task's page: the timeline with duplicates and peers, the download, its form-free running state")
    func timelineAndDownload() throws {
        let site = try Site()
        let id = "task-unified-1765000000-time0001"
        try site.complete(id)
        try site.complete(id)
        try site.complete(id)
        let page = site.html("/tasks/\(id)")
        #expect(page.text.contains("seen 2 more times"))
        #expect(page.text.contains("203.0.113.7"))
        #expect(page.text.contains(#"<div class="progress live" data-task-id="\#(id)">"#))
        #expect(page.text.contains("https://cdn.example.com/\(id).mp4"))
        #expect(!page.text.contains("sig=secret"), "the link's signature stays off the page")
        #expect(!page.text.contains("retry-form"), "a queued download has nothing to retry")
    }

    @Test("retry from the page: refused without the CSRF token, queued with it, then back to the task")
    func retryForm() throws {
        let site = try Site()
        let id = "task-unified-1765000000-fail0001"
        try site.complete(id)
        _ = try #require(try site.ledger.claimNextDownload())
        try site.ledger.markDownloadFailed(taskID: id, reason: "HTTP 404 from the CDN: the link is gone")
        let page = site.html("/tasks/\(id)")
        #expect(page.text.contains("HTTP 404 from the CDN: the link is gone"))
        let token = site.access.csrfToken(for: .open)
        #expect(page.text.contains(#"<input type="hidden" name="csrf_token" value="\#(token)">"#))
        #expect(page.text.contains(#"action="/tasks/\#(id)/retry""#))

        let refused = site.request("/tasks/\(id)/retry", method: "POST", form: ["csrf_token": "not-the-token"])
        #expect(refused.status == 403)
        #expect(try site.ledger.downloadJob(taskID: id)?.state == .failed)

        let done = site.request("/tasks/\(id)/retry", method: "POST", form: ["csrf_token": token])
        #expect(done.status == 303)
        #expect(done.headers["Location"] == "/tasks/\(id)?done=retry")
        #expect(try site.ledger.downloadJob(taskID: id)?.state == .queued)
        #expect(site.html("/tasks/\(id)?done=retry").text.contains("The download is queued again."))
        let again = site.request("/tasks/\(id)/retry", method: "POST", form: ["csrf_token": token])
        #expect(again.status == 409)
        #expect(String(decoding: again.body, as: UTF8.self).contains("is queued, not failed"))
    }

    @Test("the stylesheet, the script and the icon are served from the binary; no poster means 404")
    func staticFiles() throws {
        let site = try Site()
        let css = site.request("/static/archive.css")
        #expect(css.status == 200 && css.headers["Content-Type"] == "text/css; charset=utf-8")
        let script = site.request("/static/archive.js")
        #expect(script.status == 200 && script.headers["Content-Type"] == "text/javascript; charset=utf-8")
        #expect(String(decoding: script.body, as: UTF8.self).contains("/api/v1/tasks/"))
        #expect(!String(decoding: script.body, as: UTF8.self).contains("innerHTML"), "text goes in as text")
        #expect(site.request("/static/favicon.svg").headers["Content-Type"] == "image/svg+xml")
        #expect(site.request("/static/other.js").status == 404)
        try site.complete("task-unified-1765000000-post0001")
        #expect(site.request("/tasks/task-unified-1765000000-post0001/poster.jpg").status == 404)
        #expect(site.request("/").headers["Content-Security-Policy"] == SecurityHeaders.contentSecurityPolicy)
    }

    @Test("Previous remembers at most 20 earlier pages: a longer trail is refused, a link keeps the last 20")
    func backTrailLimit() throws {
        let cursor = TaskListCursor(firstSeen: 1765000000.5, id: "task-unified-1765000000-trail001").token
        let twenty = Array(repeating: cursor, count: ListPageRequest.maxBack).joined(separator: ".")
        let request = try ListPageRequest(target: "/?cursor=\(cursor)&back=\(twenty)")
        #expect(request.back.count == ListPageRequest.maxBack)
        #expect(throws: ListPageRequest.Problem.self) { try ListPageRequest(target: "/?cursor=\(cursor)&back=-.\(twenty)") }
        #expect(throws: ListPageRequest.Problem.self) { try ListPageRequest(target: "/?cursor=\(cursor)&back=nonsense") }
        let next = request.link(after: cursor, back: request.back + [cursor])
        #expect(next.components(separatedBy: "back=").last?.split(separator: ".").count == ListPageRequest.maxBack)
        let site = try Site()
        #expect(site.html("/?cursor=\(cursor)&back=-.\(twenty)").status == 400)
    }

    @Test("the sidecar is shown up to 64 KiB, then cut with a note; a bucket's and a missing one get a note")
    func sidecarLimit() throws {
        let folder = TemporaryDirectory(prefix: "page-sidecar")
        let video = folder.file("task-side-1.mp4")
        let whole = String(repeating: "x", count: SidecarText.limit)
        try whole.write(toFile: folder.file("task-side-1.json"), atomically: true, encoding: .utf8)
        #expect(SidecarText.read(archivePath: video, taskID: "task-side-1") == .text(whole))
        try (whole + "y").write(toFile: folder.file("task-side-1.json"), atomically: true, encoding: .utf8)
        #expect(SidecarText.read(archivePath: video, taskID: "task-side-1") == .text(whole + "\n… (cut at 64 KiB)"))
        guard case .note(let bucket) = SidecarText.read(archivePath: "s3://videos/2026/task-side-1.mp4", taskID: "task-side-1"),
              case .note(let missing) = SidecarText.read(archivePath: folder.file("task-side-2.mp4"), taskID: "task-side-2") else {
            Issue.record("a note was expected")
            return
        }
        #expect(bucket.contains("task-side-1.json beside the video in the bucket"))
        #expect(missing == "No sidecar at \(folder.file("task-side-2.json")).")
        #expect(SidecarText.read(archivePath: nil, taskID: "task-side-3") == .none)
    }

    @Test("display text: sizes in binary units, lengths in seconds, times in UTC")
    func displayText() {
        #expect(DisplayText.bytes(812) == "812 B")
        #expect(DisplayText.bytes(54823) == "54 KiB")
        #expect(DisplayText.bytes(5000) == "4.9 KiB", "one decimal under 10")
        #expect(DisplayText.bytes(4 << 30) == "4.0 GiB")
        #expect(DisplayText.bytes(300 << 20) == "300 MiB")
        #expect(DisplayText.seconds(5) == "5 s")
        #expect(DisplayText.seconds(2.5) == "2.5 s")
        #expect(DisplayText.seconds(90) == "1 min 30 s")
        #expect(DisplayText.time(unixSeconds: 1765000000) == "2025-12-06 05:46:40 UTC")
        #expect(DisplayText.percent(done: 50, total: 200) == 25)
        #expect(DisplayText.percent(done: 50, total: nil) == nil)
    }

    // MARK: Reading pages

    static func ids(in html: String) -> [String] {
        html.components(separatedBy: #"<tr class="task" data-task-id=""#).dropFirst().map { String($0.prefix { $0 != "\"" }) }
    }

    /// The href of the link with `id`, unescaped as a browser reads it.
    static func link(_ id: String, in html: String) -> String? {
        guard let start = html.range(of: #"id="\#(id)" href=""#) else { return nil }
        let href = html[start.upperBound...].prefix { $0 != "\"" }
        return href.replacingOccurrences(of: "&amp;", with: "&").replacingOccurrences(of: "&#39;", with: "'")
    }
}
