import Foundation
import HTTP
import Testing

@Suite("HTTPResponse")
struct HTTPResponseTests {
    private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test("a kept HTTP/1.1 response has a status line, headers, Content-Length and body")
    func keepAlive11() {
        let response = HTTPResponse(status: 200, headers: ["Content-Type": "text/plain"], body: bytes("ok"))
        #expect(text(response.serialized(keepAlive: true))
            == "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok")
    }

    @Test("a response that closes says Connection: close")
    func closing() {
        let response = HTTPResponse(status: 404)
        #expect(text(response.serialized(keepAlive: false))
            == "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    }

    @Test("a kept HTTP/1.0 connection is told keep-alive")
    func keepAlive10() {
        let out = text(HTTPResponse(status: 204).serialized(keepAlive: true, version: .http1_0))
        #expect(out == "HTTP/1.1 204 No Content\r\nConnection: keep-alive\r\n\r\n")
    }

    @Test("framing headers from the caller are replaced by the encoder's")
    func framingHeadersReplaced() {
        let response = HTTPResponse(status: 200, headers: ["content-length": "999", "Connection": "keep-alive"],
                                    body: bytes("abc"))
        let out = text(response.serialized(keepAlive: false))
        #expect(out == "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc")
    }

    @Test("the answer to HEAD has the Content-Length but no body")
    func headRequest() {
        let out = text(HTTPResponse(status: 200, body: bytes("hello")).serialized(keepAlive: true, headRequest: true))
        #expect(out == "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")
    }

    @Test("204 and 304 carry no body")
    func noBodyStatuses() {
        #expect(text(HTTPResponse(status: 304, body: bytes("x")).serialized(keepAlive: true))
            == "HTTP/1.1 304 Not Modified\r\n\r\n")
        #expect(text(HTTPResponse(status: 204, body: bytes("x")).serialized(keepAlive: true))
            == "HTTP/1.1 204 No Content\r\n\r\n")
    }

    @Test("a header value cannot start a new line, a bad header name is left out")
    func noInjection() {
        let response = HTTPResponse(status: 200, headers: HTTPHeaders([("X-A", "a\r\nSet-Cookie: x"), ("Bad Name", "v")]))
        let out = text(response.serialized(keepAlive: true))
        #expect(out == "HTTP/1.1 200 OK\r\nX-A: a  Set-Cookie: x\r\nContent-Length: 0\r\n\r\n")
    }

    @Test("the 100 Continue interim answer")
    func continueInterim() {
        #expect(text(HTTPResponse.continueInterim) == "HTTP/1.1 100 Continue\r\n\r\n")
    }

    @Test("json sets Content-Type unless the caller did")
    func json() {
        let response = HTTPResponse.json(status: 200, "{}")
        #expect(response.headers["Content-Type"] == "application/json")
        #expect(response.body == bytes("{}"))
        let custom = HTTPResponse.json(status: 200, "{}", headers: ["content-type": "application/problem+json"])
        #expect(custom.headers.values("Content-Type") == ["application/problem+json"])
    }

    @Test("apiError has the API's shape, with param")
    func apiErrorShape() {
        let response = HTTPResponse.apiError(status: 400, message: "bad status", param: "status")
        #expect(text(response.body)
            == #"{"error":{"code":400,"message":"bad status","type":"invalid_request_error","param":"status"}}"#)
        #expect(response.status == 400)
        #expect(response.headers["content-type"] == "application/json")
    }

    @Test("apiError leaves param out when there is none, and takes an explicit type")
    func apiErrorWithoutParam() {
        let response = HTTPResponse.apiError(status: 503, message: "ledger busy", type: "custom_error",
                                             headers: ["Retry-After": "5"])
        #expect(text(response.body) == #"{"error":{"code":503,"message":"ledger busy","type":"custom_error"}}"#)
        #expect(response.headers["Retry-After"] == "5")
    }

    @Test("apiError escapes the message as JSON")
    func apiErrorEscapes() throws {
        let message = "quote \" backslash \\ newline \n tab \t nul \u{00} bell \u{07} caf\u{E9} \u{2028}"
        let response = HTTPResponse.apiError(status: 400, message: message)
        let decoded = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        let error = try #require(decoded?["error"] as? [String: Any])
        #expect(error["message"] as? String == message)
        #expect(error["code"] as? Int == 400)
        #expect(error["param"] == nil)
        #expect(text(response.body).contains(#"\u0000"#))
        #expect(!text(response.body).contains("\n"))
    }

    @Test("a parse error becomes the API error with its status and param")
    func fromParseError() {
        let error = HTTPRequestError(status: 413, message: "too big", param: "content-length")
        let response = HTTPResponse(error: error)
        #expect(response.status == 413)
        #expect(text(response.body)
            == #"{"error":{"code":413,"message":"too big","type":"invalid_request_error","param":"content-length"}}"#)
    }
}

@Suite("HTTPStatus")
struct HTTPStatusTests {
    @Test("reason phrases of the statuses the daemon sends")
    func reasons() {
        let expected: [Int: String] = [
            100: "Continue", 200: "OK", 204: "No Content", 400: "Bad Request", 404: "Not Found",
            405: "Method Not Allowed", 408: "Request Timeout", 411: "Length Required", 413: "Content Too Large",
            414: "URI Too Long", 431: "Request Header Fields Too Large", 500: "Internal Server Error",
            503: "Service Unavailable", 505: "HTTP Version Not Supported",
        ]
        for (status, phrase) in expected { #expect(HTTPStatus.reasonPhrase(status) == phrase) }
        #expect(HTTPStatus.reasonPhrase(299) == "Unknown")
    }

    @Test("default error types follow the documented table")
    func errorTypes() {
        let expected: [Int: String] = [
            400: "invalid_request_error", 405: "invalid_request_error", 411: "invalid_request_error",
            413: "invalid_request_error", 414: "invalid_request_error", 431: "invalid_request_error",
            505: "invalid_request_error", 404: "not_found_error", 408: "timeout_error", 500: "api_error",
            503: "service_unavailable_error", 401: "authentication_error", 403: "permission_error",
            429: "rate_limit_error", 502: "upstream_error", 504: "api_error", 418: "invalid_request_error",
        ]
        for (status, type) in expected { #expect(HTTPStatus.errorType(status) == type, "\(status)") }
    }
}
