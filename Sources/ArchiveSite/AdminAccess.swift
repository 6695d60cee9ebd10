import Foundation
import Hashing
import HTTP

/// Who may use the archive site, and how a request proves it (DESIGN.md, "Archive page
/// and API"; docs/archive-site.md says why).
///
/// - On a loopback listener, open: anyone who can reach the port is already on the
///   machine. The Host header must name a loopback host, so that a web page on another
///   origin cannot reach the listener through a DNS name rebound to 127.0.0.1.
/// - Elsewhere, `admin.token`: the API takes `Authorization: Bearer <token>`, the page a
///   session cookie that `POST /login` sets once the token is typed in. The cookie holds
///   an expiry and an HMAC under a key derived from the token, never the token.
/// - A state change (the action POSTs, logout) made with a cookie, or on an open
///   listener without a bearer token, also needs the CSRF token of its session, in the
///   `X-CSRF-Token` header or the `csrf_token` form field: a page on another origin can
///   make the browser send the cookie but cannot read the token. A bearer request needs
///   none: no browser attaches a bearer token on its own.
public struct AdminAccess: Sendable {
    public static let sessionCookieName = "videohookd_session"
    public static let csrfHeaderName = "X-CSRF-Token"
    public static let csrfFieldName = "csrf_token"
    /// How long a login lasts.
    public static let sessionLifetime: TimeInterval = 12 * 3600

    /// Who made a request that was let through.
    public enum Caller: Sendable, Equatable {
        /// The listener is on loopback and nothing is asked.
        case open
        /// `Authorization: Bearer` with the right token.
        case bearer
        /// A valid session cookie (its value).
        case session(String)
    }

    private let token: [UInt8]?
    /// Signs sessions and CSRF tokens: derived from the token, or random for this process
    /// on an open listener (where a CSRF token is still needed, and lives as long as the
    /// process).
    private let key: [UInt8]
    public let isOpen: Bool

    /// - Parameters:
    ///   - token: `admin.token`, required unless `loopback`.
    ///   - loopback: whether the admin listener binds to a loopback address.
    public init(token: String?, loopback: Bool) {
        self.token = token.map { Array($0.utf8) }
        isOpen = loopback
        if let token {
            key = HMACSHA256.authenticationCode(key: Array(token.utf8), message: Array("videohookd admin session key v1".utf8))
        } else {
            var random = SystemRandomNumberGenerator()
            key = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &random) }
        }
    }

    // MARK: Deciding

    /// Whether `request` may go on: the caller, or the answer that refuses it.
    ///
    /// - Parameters:
    ///   - api: an API request (refused with 401 and `WWW-Authenticate`); a page request
    ///     is sent to the login form instead.
    ///   - changesState: the request acts (a POST): a cookie or open caller needs the
    ///     CSRF token.
    ///   - form: the request's form fields, where a page's CSRF token comes.
    public func authorize(_ head: HTTPRequestHead, api: Bool, changesState: Bool, form: [String: String] = [:],
                          now: Date = Date()) -> Result<Caller, AccessRefusal> {
        if let authorization = head.headers["Authorization"] {
            guard let token, let presented = Self.bearerToken(authorization),
                  ConstantTime.equals(Array(presented.utf8), token) else {
                return .failure(.unauthorized("the bearer token is not this daemon's admin.token"))
            }
            return .success(.bearer)
        }
        let caller: Caller
        if isOpen {
            guard Self.isLoopbackHost(head.headers["Host"]) else {
                return .failure(.forbidden("the Host header must name this loopback listener (127.0.0.1, localhost or [::1])",
                                           param: "Host"))
            }
            caller = .open
        } else if let session = sessionCookie(head), isValidSession(session, now: now) {
            caller = .session(session)
        } else if api {
            return .failure(.unauthorized("send Authorization: Bearer <admin.token>, or log in at /login"))
        } else {
            return .failure(.login)
        }
        if changesState {
            let presented = head.headers[Self.csrfHeaderName] ?? form[Self.csrfFieldName]
            guard let presented, ConstantTime.equals(presented, csrfToken(for: caller)) else {
                return .failure(.forbidden("a state change needs this session's CSRF token in \(Self.csrfHeaderName) or the \(Self.csrfFieldName) field; GET /api/v1/session gives it",
                                           param: Self.csrfFieldName))
            }
        }
        return .success(caller)
    }

    /// The CSRF token the page puts in its forms and `GET /api/v1/session` gives.
    public func csrfToken(for caller: Caller) -> String {
        let subject = switch caller {
        case .open: "open"
        case .bearer: "bearer"
        case .session(let value): "session " + value
        }
        return Self.hex(HMACSHA256.authenticationCode(key: key, message: Array(("csrf v1 " + subject).utf8)))
    }

    // MARK: Logging in

    /// Whether `presented` is the admin token (the login form's field).
    public func isAdminToken(_ presented: String) -> Bool {
        guard let token else { return false }
        return ConstantTime.equals(Array(presented.utf8), token)
    }

    /// A new session's cookie value: `v1.<expiry>.<HMAC>`.
    public func newSession(now: Date = Date()) -> String {
        let expiry = Int64(now.timeIntervalSince1970 + Self.sessionLifetime)
        return "v1.\(expiry).\(signature(expiry: expiry))"
    }

    /// `Set-Cookie` for a new session, or (nil) one that ends it.
    public static func sessionCookieHeader(_ value: String?) -> String {
        let attributes = "HttpOnly; SameSite=Strict; Path=/"
        guard let value else { return "\(sessionCookieName)=; \(attributes); Max-Age=0" }
        return "\(sessionCookieName)=\(value); \(attributes); Max-Age=\(Int(sessionLifetime))"
    }

    func isValidSession(_ value: String, now: Date) -> Bool {
        guard token != nil else { return false }
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "v1", let expiry = Int64(parts[1]),
              Double(expiry) > now.timeIntervalSince1970 else { return false }
        return ConstantTime.equals(String(parts[2]), signature(expiry: expiry))
    }

    private func signature(expiry: Int64) -> String {
        Self.hex(HMACSHA256.authenticationCode(key: key, message: Array("session v1 \(expiry)".utf8)))
    }

    func sessionCookie(_ head: HTTPRequestHead) -> String? {
        for header in head.headers.values("Cookie") {
            for pair in header.split(separator: ";") {
                let trimmed = pair.trimmingCharacters(in: .whitespaces)
                let prefix = Self.sessionCookieName + "="
                if trimmed.hasPrefix(prefix) { return String(trimmed.dropFirst(prefix.count)) }
            }
        }
        return nil
    }

    // MARK: Parts

    /// The token of `Bearer <token>` (the scheme in any case, RFC 9110 §11.1).
    static func bearerToken(_ authorization: String) -> String? {
        let trimmed = authorization.trimmingCharacters(in: .whitespaces)
        guard trimmed.count > 7, trimmed.prefix(7).lowercased() == "bearer " else { return nil }
        let token = trimmed.dropFirst(7).trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }

    /// `127.0.0.1:9090`, `localhost`, `[::1]:9090`: a loopback host with or without a port.
    static func isLoopbackHost(_ host: String?) -> Bool {
        guard var host = host?.lowercased() else { return false }
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return false }
            let rest = host[host.index(after: close)...]
            guard rest.isEmpty || (rest.hasPrefix(":") && rest.dropFirst().allSatisfy(\.isNumber)) else { return false }
            return host[...close] == "[::1]"
        }
        if let colon = host.lastIndex(of: ":") {
            guard host[host.index(after: colon)...].allSatisfy(\.isNumber) else { return false }
            host = String(host[..<colon])
        }
        if host == "localhost" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { !$0.isEmpty && $0.count <= 3 && $0.allSatisfy(\.isNumber) }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Why a request was refused, and its answer.
public enum AccessRefusal: Error, Sendable, Equatable {
    /// 401 with `WWW-Authenticate` (the API).
    case unauthorized(String)
    /// 403: authenticated (or open) but without the CSRF token, or a wrong Host.
    case forbidden(String, param: String?)
    /// A page request without a session: to the login form.
    case login

    public var response: HTTPResponse {
        switch self {
        case .unauthorized(let message):
            var headers = HTTPHeaders()
            headers.add("WWW-Authenticate", #"Bearer realm="videohookd admin""#)
            return .apiError(status: 401, message: message, type: "authentication_error", headers: headers)
        case .forbidden(let message, let param):
            return .apiError(status: 403, message: message, type: "permission_error", param: param)
        case .login:
            var headers = HTTPHeaders()
            headers.add("Location", "/login")
            return HTTPResponse(status: 303, headers: headers)
        }
    }
}
