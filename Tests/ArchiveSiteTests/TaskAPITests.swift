import Foundation
import HTTP
import Testing
@testable import ArchiveSite
import Ledger

@Suite("The JSON API's task routes and actions")
struct TaskAPITests {
    @Test("the list is newest first, pages by next_cursor, and shows a prompt holding markup as inert JSON text")
    func listAndPage() throws {
        let site = try SiteUnderTest()
        try site.seen("t-old", status: .processing, at: 1_700_000_000)
        try site.seen("t-mid", status: .failed, at: 1_700_000_001)
        try site.submitted("t-new", prompt: "<script>alert(1)</script> & a cat")
        let first = site.ask("GET", "/api/v1/tasks?limit=2")
        #expect(first.status == 200)
        #expect(first.headers["Content-Type"] == "application/json")
        let text = String(decoding: first.body, as: UTF8.self)
        #expect(!text.contains("<script>") && text.contains(#"\u003cscript\u003e"#), "\(text)")
        let page = site.json(first)
        let tasks = try #require(page["tasks"] as? [[String: Any]])
        #expect(tasks.map { $0["id"] as? String } == ["t-new", "t-mid"])
        #expect(tasks[0]["prompt"] as? String == "<script>alert(1)</script> & a cat")
        #expect((tasks[0]["video"] as? [String: Any])?["duration_seconds"] as? Double == 6)
        #expect(tasks[1]["prompt"] == nil, "not submitted here")
        let cursor = try #require(page["next_cursor"] as? String)
        let second = site.json(site.ask("GET", "/api/v1/tasks?limit=2&cursor=\(cursor)"))
        #expect((second["tasks"] as? [[String: Any]])?.map { $0["id"] as? String } == ["t-old"])
        #expect(second["next_cursor"] == nil)
        let failed = site.json(site.ask("GET", "/api/v1/tasks?status=failed"))
        #expect((failed["tasks"] as? [[String: Any]])?.map { $0["id"] as? String } == ["t-mid"])
        let searched = site.json(site.ask("GET", "/api/v1/tasks?q=A+CAT"))
        #expect((searched["tasks"] as? [[String: Any]])?.map { $0["id"] as? String } == ["t-new"])
    }

    @Test("bad list parameters are refused with 400 naming the parameter", arguments: [
        ("limit=0", "limit"), ("limit=201", "limit"), ("limit=ten", "limit"), ("limit=", "limit"),
        ("status=done", "status"), ("status=", "status"), ("day=", "day"), ("day=2025-02-30", "day"), ("day=yesterday", "day"),
        ("cursor=nonsense", "cursor"), ("q=" + String(repeating: "x", count: 201), "q"),
        ("staus=failed", "staus"), ("limit=1&limit=2", "limit"), ("q=%FF", "q"),
    ])
    func badParameters(query: String, param: String) throws {
        let site = try SiteUnderTest()
        let response = site.ask("GET", "/api/v1/tasks?" + query)
        #expect(response.status == 400)
        let error = try #require(site.json(response)["error"] as? [String: Any])
        #expect(error["param"] as? String == param)
        #expect(error["type"] as? String == "invalid_request_error")
        #expect(error["code"] as? Int == 400)
    }

    @Test("limits at their edges are taken", arguments: ["limit=1", "limit=200", "q=" + String(repeating: "x", count: 200)])
    func edgesTaken(query: String) throws {
        let site = try SiteUnderTest()
        #expect(site.ask("GET", "/api/v1/tasks?" + query).status == 200)
    }

    @Test("more than 32 query parameters are refused")
    func tooManyParameters() throws {
        let site = try SiteUnderTest()
        let query = (0..<33).map { _ in "q=a" }.joined(separator: "&")
        #expect(site.ask("GET", "/api/v1/tasks?" + query).status == 400)
    }

    @Test("one task's story: events with duplicates, the download, its attempts, result URLs without their query")
    func detail() throws {
        let site = try SiteUnderTest()
        try site.seen("t1", status: .processing, at: 1_700_000_000)
        try site.failed("t1")
        try site.seen("t1", status: .completed)
        let response = site.ask("GET", "/api/v1/tasks/t1")
        #expect(response.status == 200)
        let detail = site.json(response)
        let events = try #require(detail["events"] as? [[String: Any]])
        #expect(events.map { $0["status"] as? String } == ["processing", "completed"])
        #expect(events[1]["duplicate_count"] as? Int == 1)
        #expect(events[1]["peer"] as? String == "203.0.113.9:41000")
        #expect((detail["results"] as? [String]) == ["https://media.example.com/v/t1.mp4"], "no signature")
        #expect((detail["download"] as? [String: Any])?["state"] as? String == "failed")
        let attempts = try #require(detail["download_attempts"] as? [[String: Any]])
        #expect(attempts.first?["reason"] as? String == "HTTP 410 from the CDN")
        #expect(!String(decoding: response.body, as: UTF8.self).contains("sig=secret"))
    }

    @Test("unknown and malformed ids answer 404 in the error shape", arguments: [
        "/api/v1/tasks/nope", "/api/v1/tasks/..%2F", "/api/v1/tasks/a.b", "/api/v1/tasks/nope/video", "/api/v1/tasks/",
    ])
    func notFound(path: String) throws {
        let site = try SiteUnderTest()
        let response = site.ask("GET", path)
        #expect(response.status == 404)
        #expect((site.json(response)["error"] as? [String: Any])?["code"] as? Int == 404)
    }

    @Test("a wrong method answers 405 with Allow")
    func wrongMethod() throws {
        let site = try SiteUnderTest()
        let list = site.ask("DELETE", "/api/v1/tasks")
        #expect(list.status == 405)
        #expect(list.headers["Allow"] == "GET, HEAD")
        let retry = site.ask("GET", "/api/v1/tasks/t1/retry")
        #expect(retry.status == 405)
        #expect(retry.headers["Allow"] == "POST")
    }

    @Test("retry needs the CSRF token on an open listener, requeues a failed download once, and wakes the downloader")
    func retry() throws {
        let site = try SiteUnderTest()
        try site.failed("t1")
        #expect(site.ask("POST", "/api/v1/tasks/t1/retry").status == 403)
        let csrf = site.access.csrfToken(for: .open)
        let response = site.ask("POST", "/api/v1/tasks/t1/retry", headers: [("X-CSRF-Token", csrf)])
        #expect(response.status == 202)
        #expect((site.json(response)["download"] as? [String: Any])?["state"] as? String == "queued")
        #expect(site.requeued.value == 1)
        let again = site.ask("POST", "/api/v1/tasks/t1/retry", headers: [("X-CSRF-Token", csrf)])
        #expect(again.status == 409)
        #expect(String(decoding: again.body, as: UTF8.self).contains("not failed"))
        try site.seen("t2", status: .processing)
        #expect(site.ask("POST", "/api/v1/tasks/t2/retry", headers: [("X-CSRF-Token", csrf)]).status == 409)
        #expect(site.ask("POST", "/api/v1/tasks/t9/retry", headers: [("X-CSRF-Token", csrf)]).status == 404)
        let form = site.ask("POST", "/api/v1/tasks/t1/retry", headers: [("Content-Type", "application/x-www-form-urlencoded")],
                            body: "csrf_token=\(csrf)")
        #expect(form.status == 409, "the form field counts as the token too")
    }

    @Test("replay queues an event's deliveries again; another task's event is 404")
    func replay() throws {
        let site = try SiteUnderTest()
        try site.ledger.setNotificationTargets([.init(key: "webhook https://app.test/hooks", events: [.taskCompleted])])
        try site.seen("t1", status: .completed)
        try site.seen("t2", status: .processing)
        let detail = site.json(site.ask("GET", "/api/v1/tasks/t1"))
        let event = try #require((detail["notifications"] as? [[String: Any]])?.first)
        let replayPath = try #require((event["links"] as? [String: Any])?["replay"] as? String)
        let csrf = site.access.csrfToken(for: .open)
        let response = site.ask("POST", replayPath, headers: [("X-CSRF-Token", csrf)])
        #expect(response.status == 202)
        #expect(site.json(response)["queued"] as? Int == 1)
        let eventID = try #require(event["id"] as? String)
        #expect(site.ask("POST", "/api/v1/tasks/t2/notifications/\(eventID)/replay", headers: [("X-CSRF-Token", csrf)]).status == 404)
    }

    @Test("every answer carries the security headers, 404s and /healthz included", arguments: ["/api/v1/tasks", "/nope", "/healthz"])
    func securityHeaders(path: String) throws {
        let site = try SiteUnderTest()
        let response = site.ask("GET", path)
        let policy = try #require(response.headers["Content-Security-Policy"])
        #expect(policy.contains("default-src 'self'") && policy.contains("frame-ancestors 'none'"))
        #expect(!policy.contains("unsafe-inline"))
        #expect(response.headers["X-Content-Type-Options"] == "nosniff")
    }

    @Test("off loopback: 401 with WWW-Authenticate without the token, 200 with it; a cookie POST without CSRF is 403")
    func tokenRules() throws {
        let token = "an-admin-token-long-enough"
        let site = try SiteUnderTest(token: token, loopback: false)
        try site.failed("t1")
        let refused = site.ask("GET", "/api/v1/tasks")
        #expect(refused.status == 401)
        #expect(refused.headers["WWW-Authenticate"]?.hasPrefix("Bearer") == true)
        #expect(site.ask("GET", "/api/v1/tasks", headers: [("Authorization", "Bearer \(token)")]).status == 200)
        #expect(site.ask("GET", "/api/v1/tasks", headers: [("Authorization", "Bearer \(token)x")]).status == 401)
        let login = site.ask("POST", "/login", headers: [("Content-Type", "application/x-www-form-urlencoded")], body: "token=\(token)")
        #expect(login.status == 303)
        let setCookie = try #require(login.headers["Set-Cookie"])
        #expect(!setCookie.contains(token))
        let cookie = String(setCookie.split(separator: ";")[0])
        #expect(site.ask("GET", "/api/v1/tasks", headers: [("Cookie", cookie)]).status == 200)
        #expect(site.ask("POST", "/api/v1/tasks/t1/retry", headers: [("Cookie", cookie)]).status == 403)
        let session = site.json(site.ask("GET", "/api/v1/session", headers: [("Cookie", cookie)]))
        let csrf = try #require(session["csrf_token"] as? String)
        #expect(site.ask("POST", "/api/v1/tasks/t1/retry", headers: [("Cookie", cookie), ("X-CSRF-Token", csrf)]).status == 202)
        let wrongLogin = site.ask("POST", "/login", headers: [("Content-Type", "application/x-www-form-urlencoded")], body: "token=nope")
        #expect(wrongLogin.status == 401)
        #expect(wrongLogin.headers["Set-Cookie"] == nil)
        let logout = site.ask("POST", "/logout", headers: [("Cookie", cookie), ("Content-Type", "application/x-www-form-urlencoded")],
                              body: "csrf_token=\(csrf)")
        #expect(logout.status == 303)
        #expect(logout.headers["Set-Cookie"]?.contains("Max-Age=0") == true)
    }

    @Test("the served OpenAPI document is docs/openapi.json byte for byte")
    func openAPIDocument() throws {
        let site = try SiteUnderTest()
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/openapi.json")
        let file = try Data(contentsOf: docs)
        let response = site.ask("GET", "/api/v1/openapi.json")
        #expect(response.status == 200)
        #expect(Data(response.body) == file, "run scripts/embed-openapi.py after editing docs/openapi.json")
    }
}
