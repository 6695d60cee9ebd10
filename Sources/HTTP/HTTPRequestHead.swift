/// A parsed request line and header section, with the facts the server acts on.
public struct HTTPRequestHead: Sendable, Equatable {
    public var method: String
    /// The request target as sent (origin-form `/callbacks/x?y=1`, or absolute-form).
    public var target: String
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    /// RFC 9112 §9.3: an HTTP/1.1 connection persists unless "Connection: close"; an
    /// HTTP/1.0 one only with "Connection: keep-alive" (and no "close").
    public var keepAlive: Bool
    /// "Expect: 100-continue" (any case) on an HTTP/1.1 request. RFC 9110 §10.1.1: an
    /// HTTP/1.0 client cannot take an interim response, so the expectation is ignored.
    public var expectsContinue: Bool
    /// The target without its query: `/callbacks/x` for `/callbacks/x?y=1`. For an
    /// absolute-form target, the path part after the authority (`/` when empty).
    public var path: String

    /// Builds a head and derives `keepAlive`, `expectsContinue` and `path` from it.
    public init(method: String, target: String, version: HTTPVersion = .http1_1,
                headers: HTTPHeaders = HTTPHeaders()) {
        var close = false
        var keepAliveToken = false
        for value in headers.values("Connection") {
            for token in value.split(separator: ",") {
                let trimmed = token.trimmingWhitespace()
                if ASCIICaseInsensitive.equals(trimmed, "close") { close = true }
                if ASCIICaseInsensitive.equals(trimmed, "keep-alive") { keepAliveToken = true }
            }
        }
        let expects = version == .http1_1 && headers.values("Expect").contains {
            ASCIICaseInsensitive.equals($0.trimmingWhitespace(), "100-continue")
        }
        self.init(method: method, target: target, version: version, headers: headers,
                  keepAlive: Self.keepAlive(version: version, close: close, keepAlive: keepAliveToken),
                  expectsContinue: expects, path: Self.path(of: target))
    }

    init(method: String, target: String, version: HTTPVersion, headers: HTTPHeaders,
         keepAlive: Bool, expectsContinue: Bool, path: String) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.keepAlive = keepAlive
        self.expectsContinue = expectsContinue
        self.path = path
    }

    static func keepAlive(version: HTTPVersion, close: Bool, keepAlive: Bool) -> Bool {
        if close { return false }
        if version == .http1_0 { return keepAlive }
        return true
    }

    static func path(of target: String) -> String {
        // On UTF-8 bytes, not Characters: this runs for every request.
        let utf8 = target.utf8
        var start = utf8.startIndex
        if utf8.first != UInt8(ascii: "/"), let schemeEnd = target.firstRange(of: "://") {
            // absolute-form: the path starts after the authority.
            guard let pathStart = utf8[schemeEnd.upperBound...].firstIndex(where: {
                $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?")
            }), utf8[pathStart] == UInt8(ascii: "/") else { return "/" }
            start = pathStart
        }
        let end = utf8[start...].firstIndex(of: UInt8(ascii: "?")) ?? utf8.endIndex
        if start == utf8.startIndex && end == utf8.endIndex { return target }
        return String(target[start..<end])
    }
}

extension StringProtocol {
    /// Without leading and trailing SP and HTAB (OWS, RFC 9110 §5.6.3).
    func trimmingWhitespace() -> String {
        let isOWS: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isOWS($0) }) else { return "" }
        let last = lastIndex(where: { !isOWS($0) })!
        return String(self[first...last])
    }
}
