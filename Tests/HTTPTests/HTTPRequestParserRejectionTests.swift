import HTTP
import Testing

/// One malformed request and the status (and param) the parser must answer.
struct Rejection: Sendable, CustomTestStringConvertible {
    var name: String
    var input: String
    var status = 400
    var param: String?

    var testDescription: String { name }
}

@Suite("HTTPRequestParser: what is refused")
struct HTTPRequestParserRejectionTests {
    static let framing: [Rejection] = [
        Rejection(name: "both Content-Length and Transfer-Encoding",
                  input: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                  param: "transfer-encoding"),
        Rejection(name: "Transfer-Encoding before Content-Length",
                  input: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
                  param: "transfer-encoding"),
        Rejection(name: "gzip, chunked",
                  input: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", param: "transfer-encoding"),
        Rejection(name: "chunked, chunked",
                  input: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", param: "transfer-encoding"),
        Rejection(name: "chunked on two lines",
                  input: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
                  param: "transfer-encoding"),
        Rejection(name: "identity",
                  input: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: identity\r\n\r\n", param: "transfer-encoding"),
        Rejection(name: "chunked with a parameter",
                  input: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked;q=1\r\n\r\n", param: "transfer-encoding"),
        Rejection(name: "an empty Transfer-Encoding",
                  input: "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: \r\n\r\n", param: "transfer-encoding"),
        Rejection(name: "Transfer-Encoding on HTTP/1.0",
                  input: "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", param: "transfer-encoding"),
        Rejection(name: "two equal Content-Length headers",
                  input: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
                  param: "content-length"),
        Rejection(name: "a Content-Length list",
                  input: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5, 5\r\n\r\nhello", param: "content-length"),
        Rejection(name: "a non-numeric Content-Length",
                  input: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: abc\r\n\r\n", param: "content-length"),
        Rejection(name: "a negative Content-Length",
                  input: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -5\r\n\r\n", param: "content-length"),
        Rejection(name: "a Content-Length with a plus sign",
                  input: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +5\r\n\r\nhello", param: "content-length"),
        Rejection(name: "an overflowing Content-Length",
                  input: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999\r\n\r\n",
                  param: "content-length"),
        Rejection(name: "an empty Content-Length",
                  input: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length:\r\n\r\n", param: "content-length"),
        Rejection(name: "a hexadecimal Content-Length",
                  input: "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x5\r\n\r\nhello", param: "content-length"),
        Rejection(name: "no Host on HTTP/1.1",
                  input: "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", param: "host"),
        Rejection(name: "two Host headers",
                  input: "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", param: "host"),
    ]

    static let lines: [Rejection] = [
        Rejection(name: "obsolete line folding",
                  input: "GET / HTTP/1.1\r\nHost: h\r\nX-A: b\r\n c\r\n\r\n"),
        Rejection(name: "obsolete line folding with a tab",
                  input: "GET / HTTP/1.1\r\nHost: h\r\nX-A: b\r\n\tc\r\n\r\n"),
        Rejection(name: "whitespace before the first header line",
                  input: "GET / HTTP/1.1\r\n Host: h\r\n\r\n"),
        Rejection(name: "whitespace between field name and colon",
                  input: "GET / HTTP/1.1\r\nHost : h\r\n\r\n", param: "host"),
        Rejection(name: "a tab between field name and colon",
                  input: "GET / HTTP/1.1\r\nHost\t: h\r\n\r\n", param: "host"),
        Rejection(name: "a bare CR in the request line",
                  input: "GET / HTTP/1.1\rHost: h\r\n\r\n"),
        Rejection(name: "a bare CR in a value",
                  input: "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\rb\r\n\r\n"),
        Rejection(name: "a bare CR ending the head",
                  input: "GET / HTTP/1.1\r\nHost: h\r\n\rX"),
        Rejection(name: "a bare CR in the target",
                  input: "GET /a\rb HTTP/1.1\r\nHost: h\r\n\r\n"),
        Rejection(name: "a bare CR before the request line",
                  input: "\rGET / HTTP/1.1\r\nHost: h\r\n\r\n"),
        Rejection(name: "LF line endings",
                  input: "GET / HTTP/1.1\nHost: h\n\n"),
        Rejection(name: "an LF-only header line",
                  input: "GET / HTTP/1.1\r\nHost: h\nX: y\r\n\r\n"),
        Rejection(name: "an LF-only empty line",
                  input: "GET / HTTP/1.1\r\nHost: h\r\n\n"),
        Rejection(name: "an LF before the request line",
                  input: "\nGET / HTTP/1.1\r\nHost: h\r\n\r\n"),
        Rejection(name: "a control character in the method",
                  input: "G\u{01}ET / HTTP/1.1\r\nHost: h\r\n\r\n"),
        Rejection(name: "a separator in the method",
                  input: "GE(T / HTTP/1.1\r\nHost: h\r\n\r\n"),
        Rejection(name: "a control character in a field name",
                  input: "GET / HTTP/1.1\r\nHost: h\r\nX\u{01}A: b\r\n\r\n"),
        Rejection(name: "a separator in a field name",
                  input: "GET / HTTP/1.1\r\nHost: h\r\nX@A: b\r\n\r\n"),
        Rejection(name: "a non-ASCII field name",
                  input: "GET / HTTP/1.1\r\nHost: h\r\nX\u{E9}: b\r\n\r\n"),
        Rejection(name: "a field line without a colon",
                  input: "GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n"),
        Rejection(name: "a field line starting with a colon",
                  input: "GET / HTTP/1.1\r\nHost: h\r\n: b\r\n\r\n"),
        Rejection(name: "a NUL in a value",
                  input: "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\u{00}b\r\n\r\n", param: "x-a"),
        Rejection(name: "an escape character in a value",
                  input: "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\u{1B}b\r\n\r\n", param: "x-a"),
        Rejection(name: "DEL in a value",
                  input: "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\u{7F}b\r\n\r\n", param: "x-a"),
        Rejection(name: "two spaces after the method",
                  input: "GET  / HTTP/1.1\r\nHost: h\r\n\r\n"),
        Rejection(name: "two spaces before the version",
                  input: "GET /  HTTP/1.1\r\nHost: h\r\n\r\n"),
        Rejection(name: "a space after the version",
                  input: "GET / HTTP/1.1 \r\nHost: h\r\n\r\n"),
        Rejection(name: "a missing version",
                  input: "GET /\r\nHost: h\r\n\r\n"),
        Rejection(name: "only a method",
                  input: "GET\r\nHost: h\r\n\r\n"),
        Rejection(name: "a leading space",
                  input: " GET / HTTP/1.1\r\nHost: h\r\n\r\n"),
        Rejection(name: "a lowercase version",
                  input: "GET / http/1.1\r\nHost: h\r\n\r\n"),
        Rejection(name: "a version with two digits",
                  input: "GET / HTTP/1.10\r\nHost: h\r\n\r\n"),
        Rejection(name: "a version without minor",
                  input: "GET / HTTP/2\r\nHost: h\r\n\r\n"),
        Rejection(name: "a third part on the request line",
                  input: "GET / HTTP/1.1 x\r\nHost: h\r\n\r\n"),
        Rejection(name: "a non-ASCII byte in the target",
                  input: "GET /caf\u{E9} HTTP/1.1\r\nHost: h\r\n\r\n"),
        Rejection(name: "a control character in the target",
                  input: "GET /a\u{01}b HTTP/1.1\r\nHost: h\r\n\r\n"),
        Rejection(name: "HTTP/2.0", input: "GET / HTTP/2.0\r\nHost: h\r\n\r\n", status: 505),
        Rejection(name: "HTTP/1.2", input: "GET / HTTP/1.2\r\nHost: h\r\n\r\n", status: 505),
        Rejection(name: "HTTP/0.9", input: "GET / HTTP/0.9\r\n\r\n", status: 505),
    ]

    static let chunks: [Rejection] = {
        let head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        return [
            Rejection(name: "a non-hex chunk size", input: head + "zz\r\n", param: "transfer-encoding"),
            Rejection(name: "an empty chunk size", input: head + "\r\n", param: "transfer-encoding"),
            Rejection(name: "a negative chunk size", input: head + "-1\r\n", param: "transfer-encoding"),
            Rejection(name: "a hex prefix in a chunk size", input: head + "0x5\r\nhello\r\n0\r\n\r\n",
                      param: "transfer-encoding"),
            Rejection(name: "an overflowing chunk size",
                      input: head + "fffffffffffffffffffffff\r\n", status: 413, param: "transfer-encoding"),
            Rejection(name: "data longer than its chunk size", input: head + "3\r\nabcd\r\n0\r\n\r\n",
                      param: "transfer-encoding"),
            Rejection(name: "a bare LF after the chunk size", input: head + "3\nabc\r\n0\r\n\r\n"),
            Rejection(name: "a bare CR after the chunk size", input: head + "3\rabc\r\n0\r\n\r\n"),
            Rejection(name: "a bare LF after chunk data", input: head + "3\r\nabc\n0\r\n\r\n",
                      param: "transfer-encoding"),
            Rejection(name: "whitespace after a chunk size without extension", input: head + "3 \r\nabc\r\n0\r\n\r\n",
                      param: "transfer-encoding"),
            Rejection(name: "a control character in a chunk extension", input: head + "3;a\u{01}\r\nabc\r\n0\r\n\r\n",
                      param: "transfer-encoding"),
            Rejection(name: "a folded trailer", input: head + "0\r\nX: a\r\n b\r\n\r\n"),
            Rejection(name: "whitespace before a trailer colon", input: head + "0\r\nX : a\r\n\r\n", param: "x"),
            Rejection(name: "a NUL in a trailer value", input: head + "0\r\nX: a\u{00}\r\n\r\n", param: "x"),
            Rejection(name: "a bare LF ending the trailers", input: head + "0\r\nX: a\r\n\n"),
        ]
    }()

    @Test("ambiguous or invalid framing is refused", arguments: framing)
    func refusesFraming(_ rejection: Rejection) throws {
        try expectRefused(rejection)
    }

    @Test("malformed lines are refused", arguments: lines)
    func refusesLines(_ rejection: Rejection) throws {
        try expectRefused(rejection)
    }

    @Test("malformed chunked bodies are refused", arguments: chunks)
    func refusesChunks(_ rejection: Rejection) throws {
        try expectRefused(rejection)
    }

    @Test("an overflowing chunk size is 400 when the body limit cannot catch it first")
    func chunkSizeOverflow() throws {
        let outcome = parse(
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffffffff\r\n",
            limits: HTTPLimits(maxBodyBytes: Int.max))
        #expect(outcome.error?.status == 400)
        #expect(outcome.error?.message.contains("overflow") == true)
    }

    @Test("an error message says what was wrong")
    func messages() throws {
        #expect(parse(Self.framing[0].input).error?.message.contains("both Content-Length and Transfer-Encoding") == true)
        #expect(parse("GET / HTTP/1.1\r\nHost: h\r\nX-A: b\r\n c\r\n\r\n").error?.message.contains("folding") == true)
        #expect(parse("GET / HTTP/1.1\r\nHost: h\r\nX-A: a\u{00}\r\n\r\n").error?.message.contains("0x00") == true)
    }

    private func expectRefused(_ rejection: Rejection, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let outcome = parse(rejection.input)
        let error = try #require(outcome.error, "\(rejection.name) was accepted", sourceLocation: sourceLocation)
        #expect(error.status == rejection.status, "\(error.message)", sourceLocation: sourceLocation)
        if let param = rejection.param {
            #expect(error.param == param, "\(error.message)", sourceLocation: sourceLocation)
        }
        #expect(!error.message.isEmpty, sourceLocation: sourceLocation)
        #expect(outcome.requests.isEmpty, "no request comes out of a refused one", sourceLocation: sourceLocation)
    }
}
