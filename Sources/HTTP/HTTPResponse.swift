/// A response to encode onto the connection. The encoder owns the framing headers:
/// Content-Length always comes from the body, Connection from the keep-alive decision.
public struct HTTPResponse: Sendable, Equatable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// A body the server reads from a file while it writes (a video); when set, `body`
    /// is empty and ``serialized(keepAlive:version:headRequest:)`` gives the head only.
    public var file: HTTPFileBody?

    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A response whose body is `file`'s range, read as it is sent.
    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), file: HTTPFileBody) {
        self.status = status
        self.headers = headers
        body = []
        self.file = file
    }

    /// Whether the body goes on the wire: not for 1xx, 204, 304, nor for HEAD.
    public func sendsBody(headRequest: Bool) -> Bool {
        !(100..<200).contains(status) && status != 204 && status != 304 && !headRequest
    }

    /// `json` as the body, with "Content-Type: application/json" unless `headers` has one.
    public static func json(status: Int, _ json: String, headers: HTTPHeaders = HTTPHeaders()) -> HTTPResponse {
        var headers = headers
        if !headers.contains("Content-Type") { headers.add("Content-Type", "application/json") }
        return HTTPResponse(status: status, headers: headers, body: Array(json.utf8))
    }

    /// The video API's own error shape:
    /// `{"error":{"code":400,"message":"...","type":"invalid_request_error","param":"status"}}`.
    /// `type` defaults to `HTTPStatus.errorType(status)`; `param` is left out when nil,
    /// as the API does.
    public static func apiError(status: Int, message: String, type: String? = nil, param: String? = nil,
                                headers: HTTPHeaders = HTTPHeaders()) -> HTTPResponse {
        var json: [UInt8] = []
        json.reserveCapacity(96 + message.utf8.count)
        json.append(contentsOf: #"{"error":{"code":"#.utf8)
        json.append(contentsOf: String(status).utf8)
        json.append(contentsOf: #","message":"#.utf8)
        JSONString.append(message, to: &json)
        json.append(contentsOf: #","type":"#.utf8)
        JSONString.append(type ?? HTTPStatus.errorType(status), to: &json)
        if let param {
            json.append(contentsOf: #","param":"#.utf8)
            JSONString.append(param, to: &json)
        }
        json.append(contentsOf: "}}".utf8)
        var headers = headers
        if !headers.contains("Content-Type") { headers.add("Content-Type", "application/json") }
        return HTTPResponse(status: status, headers: headers, body: json)
    }

    /// The answer to a request the parser refused.
    public init(error: HTTPRequestError) {
        self = .apiError(status: error.status, message: error.message, param: error.param)
    }

    /// "HTTP/1.1 100 Continue", the interim answer to "Expect: 100-continue".
    public static let continueInterim: [UInt8] = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    /// The response as bytes: status line with reason phrase, the headers, then
    /// Content-Length, "Connection: close" when `!keepAlive` ("Connection: keep-alive"
    /// for a kept HTTP/1.0 connection), the empty line and the body.
    ///
    /// - The status line says HTTP/1.1 whatever the request's `version` (RFC 9112 §2.3).
    /// - Content-Length and Connection in `headers` are replaced, so the framing always
    ///   matches the body. 1xx, 204 and 304 carry
    ///   neither Content-Length nor body.
    /// - `headRequest`: the answer to HEAD: Content-Length of `body`, no body bytes.
    /// - With a ``file`` body: Content-Length is its range's length and the bytes returned
    ///   end with the head; the caller sends the file's bytes after them.
    /// - A header whose name is not a token is left out, and control characters in a
    ///   value become spaces: nothing from a value can start a new line.
    public func serialized(keepAlive: Bool, version: HTTPVersion = .http1_1, headRequest: Bool = false) -> [UInt8] {
        let bodyAllowed = !(100..<200).contains(status) && status != 204 && status != 304
        let sendsBody = bodyAllowed && !headRequest
        var out: [UInt8] = []
        out.reserveCapacity(160 + (sendsBody ? body.count : 0))
        out.append(contentsOf: "HTTP/1.1 ".utf8)
        out.append(contentsOf: String(status).utf8)
        out.append(HTTPGrammar.space)
        out.append(contentsOf: HTTPStatus.reasonPhrase(status).utf8)
        out.append(contentsOf: "\r\n".utf8)
        for (name, value) in headers {
            if ASCIICaseInsensitive.equals(name, "Content-Length") || ASCIICaseInsensitive.equals(name, "Connection") {
                continue
            }
            guard !name.isEmpty, name.utf8.allSatisfy(HTTPGrammar.isToken) else { continue }
            out.append(contentsOf: name.utf8)
            out.append(contentsOf: ": ".utf8)
            for byte in value.utf8 {
                out.append(byte == HTTPGrammar.tab || byte >= 0x20 && byte != 0x7F ? byte : HTTPGrammar.space)
            }
            out.append(contentsOf: "\r\n".utf8)
        }
        if bodyAllowed {
            out.append(contentsOf: "Content-Length: ".utf8)
            out.append(contentsOf: String(file.map { Int($0.length) } ?? body.count).utf8)
            out.append(contentsOf: "\r\n".utf8)
        }
        if !keepAlive {
            out.append(contentsOf: "Connection: close\r\n".utf8)
        } else if version == .http1_0 {
            out.append(contentsOf: "Connection: keep-alive\r\n".utf8)
        }
        out.append(contentsOf: "\r\n".utf8)
        if sendsBody { out.append(contentsOf: body) }
        return out
    }
}
