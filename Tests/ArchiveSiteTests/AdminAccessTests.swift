import Foundation
import Testing
@testable import ArchiveSite
import HTTP

@Suite("Who may use the archive site")
struct AdminAccessTests {
    static let token = "s3cret-admin-token-0123456789"

    private func head(_ method: String = "GET", _ path: String = "/api/v1/tasks", _ headers: [(String, String)] = []) -> HTTPRequestHead {
        HTTPRequestHead(method: method, target: path, headers: HTTPHeaders([("Host", "127.0.0.1:9090")] + headers))
    }

    @Test("on loopback a read needs nothing, and a state change still needs the CSRF token")
    func loopbackIsOpen() {
        let access = AdminAccess(token: nil, loopback: true)
        #expect(access.authorize(head(), api: true, changesState: false) == .success(.open))
        guard case .failure(.forbidden) = access.authorize(head("POST"), api: true, changesState: true) else {
            Issue.record("a POST without the CSRF token went through")
            return
        }
        let csrf = access.csrfToken(for: .open)
        #expect(access.authorize(head("POST", "/x", [("X-CSRF-Token", csrf)]), api: true, changesState: true) == .success(.open))
        #expect(access.authorize(head("POST"), api: true, changesState: true, form: ["csrf_token": csrf]) == .success(.open))
    }

    @Test("on loopback a Host that is not a loopback name is refused (DNS rebinding)",
          arguments: ["evil.example:9090", "127.0.0.1.evil.example", "[::2]:9090", ""])
    func rebindingRefused(host: String) {
        let access = AdminAccess(token: nil, loopback: true)
        let request = HTTPRequestHead(method: "GET", target: "/api/v1/tasks", headers: HTTPHeaders([("Host", host)]))
        guard case .failure(.forbidden(_, let param)) = access.authorize(request, api: true, changesState: false) else {
            Issue.record("Host \(host) went through")
            return
        }
        #expect(param == "Host")
    }

    @Test("loopback Host forms are accepted", arguments: ["127.0.0.1:9090", "localhost", "LOCALHOST:1", "[::1]:9090", "127.9.8.7"])
    func loopbackHosts(host: String) {
        #expect(AdminAccess.isLoopbackHost(host))
    }

    @Test("off loopback the API answers 401 with WWW-Authenticate without a token, and takes the right bearer token")
    func bearerRules() {
        let access = AdminAccess(token: Self.token, loopback: false)
        guard case .failure(let refusal) = access.authorize(head(), api: true, changesState: false) else {
            Issue.record("no token went through")
            return
        }
        #expect(refusal.response.status == 401)
        #expect(refusal.response.headers["WWW-Authenticate"]?.hasPrefix("Bearer") == true)
        #expect(access.authorize(head("GET", "/", [("Authorization", "Bearer wrong")]), api: true, changesState: false)
                == .failure(.unauthorized("the bearer token is not this daemon's admin.token")))
        #expect(access.authorize(head("GET", "/", [("Authorization", "bearer \(Self.token)")]), api: true, changesState: false)
                == .success(.bearer))
        #expect(access.authorize(head("POST", "/", [("Authorization", "Bearer \(Self.token)")]), api: true, changesState: true)
                == .success(.bearer), "a bearer request needs no CSRF token")
    }

    @Test("a page without a session goes to the login form")
    func pageGoesToLogin() {
        let access = AdminAccess(token: Self.token, loopback: false)
        let refused = access.authorize(head("GET", "/"), api: false, changesState: false)
        #expect(refused == .failure(.login))
        if case .failure(let refusal) = refused {
            #expect(refusal.response.status == 303)
            #expect(refusal.response.headers["Location"] == "/login")
        }
    }

    @Test("a session cookie lets reads through; its state changes need its own CSRF token")
    func sessionAndCSRF() {
        let access = AdminAccess(token: Self.token, loopback: false)
        let session = access.newSession()
        #expect(!session.contains(Self.token), "the cookie never holds the token")
        let cookie = ("Cookie", "other=1; \(AdminAccess.sessionCookieName)=\(session)")
        #expect(access.authorize(head("GET", "/", [cookie]), api: false, changesState: false) == .success(.session(session)))
        guard case .failure(.forbidden) = access.authorize(head("POST", "/", [cookie]), api: true, changesState: true) else {
            Issue.record("a cookie POST without CSRF went through")
            return
        }
        let otherSession = access.newSession(now: Date().addingTimeInterval(-10))
        let foreignToken = access.csrfToken(for: .session(otherSession))
        guard case .failure(.forbidden) = access.authorize(head("POST", "/", [cookie, ("X-CSRF-Token", foreignToken)]),
                                                            api: true, changesState: true) else {
            Issue.record("another session's CSRF token went through")
            return
        }
        let csrf = access.csrfToken(for: .session(session))
        #expect(access.authorize(head("POST", "/", [cookie, ("X-CSRF-Token", csrf)]), api: true, changesState: true)
                == .success(.session(session)))
    }

    @Test("an expired, altered or foreign session is refused")
    func badSessions() {
        let access = AdminAccess(token: Self.token, loopback: false)
        let expired = access.newSession(now: Date().addingTimeInterval(-AdminAccess.sessionLifetime - 1))
        #expect(!access.isValidSession(expired, now: Date()))
        let valid = access.newSession()
        let parts = valid.split(separator: ".")
        let stretched = "v1.\(Int64(parts[1])! + 86_400).\(parts[2])"
        #expect(!access.isValidSession(stretched, now: Date()), "a later expiry breaks the signature")
        let other = AdminAccess(token: Self.token + "x", loopback: false)
        #expect(!other.isValidSession(valid, now: Date()), "a new token ends every session")
        #expect(access.isValidSession(valid, now: Date()))
    }

    @Test("the session cookie is HttpOnly, SameSite=Strict, Path=/; logout clears it")
    func cookieAttributes() {
        let set = AdminAccess.sessionCookieHeader("v1.1.abc")
        #expect(set.contains("HttpOnly") && set.contains("SameSite=Strict") && set.contains("Path=/"))
        #expect(AdminAccess.sessionCookieHeader(nil).contains("Max-Age=0"))
    }
}
