import HTTP
import Testing

@Suite("HTTPRequestParser: requests and framing")
struct HTTPRequestParserTests {
    @Test("a GET without a body comes out with its head")
    func getWithoutBody() throws {
        let outcome = parse("GET /healthz?verbose=1 HTTP/1.1\r\nHost: example.com\r\nX-Trace:  abc \t\r\n\r\n")
        #expect(outcome.error == nil)
        let request = try #require(outcome.requests.first)
        #expect(outcome.requests.count == 1)
        #expect(request.head.method == "GET")
        #expect(request.head.target == "/healthz?verbose=1")
        #expect(request.head.path == "/healthz")
        #expect(request.head.version == .http1_1)
        #expect(request.head.headers["host"] == "example.com")
        #expect(request.head.headers["X-TRACE"] == "abc", "leading and trailing whitespace is not part of a value")
        #expect(request.head.keepAlive)
        #expect(!request.head.expectsContinue)
        #expect(request.body.isEmpty)
    }

    @Test("a Content-Length body is read to its length")
    func contentLengthBody() throws {
        let outcome = parse("POST /callbacks/t HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world")
        let request = try #require(outcome.requests.first)
        #expect(request.body == bytes("hello world"))
        #expect(outcome.error == nil)
    }

    @Test("a Content-Length with surrounding whitespace and leading zeros is accepted")
    func contentLengthWhitespace() throws {
        let outcome = parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length:  003 \r\n\r\nabc")
        #expect(try #require(outcome.requests.first).body == bytes("abc"))
    }

    @Test("Content-Length: 0 gives an empty body at once")
    func zeroLength() throws {
        let outcome = parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n")
        #expect(try #require(outcome.requests.first).body.isEmpty)
    }

    @Test("a body that has not fully arrived waits for more bytes")
    func partialBody() throws {
        var parser = HTTPRequestParser()
        parser.append(contentsOf: bytes("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nab"))
        #expect(try parser.next() == nil)
        #expect(parser.phase == .body)
        parser.append(contentsOf: bytes("cde"))
        guard case .request(let request) = try parser.next() else {
            Issue.record("no request after the rest of the body")
            return
        }
        #expect(request.body == bytes("abcde"))
        #expect(try parser.next() == nil)
    }

    @Test("a chunked body is decoded, extensions ignored, trailers dropped")
    func chunkedBody() throws {
        let outcome = parse(
            "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n"
                + "5;name=value;flag\r\nhello\r\n"
                + "1 ; ext=\"q\"\r\n \r\n"
                + "00A\r\n0123456789\r\n"
                + "0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n")
        #expect(outcome.error == nil)
        let request = try #require(outcome.requests.first)
        #expect(request.body == bytes("hello 0123456789"))
        #expect(!request.head.headers.contains("X-Checksum"), "trailers are not merged into the headers")
    }

    @Test("a chunked body with no chunk but the last is empty")
    func emptyChunked() throws {
        let outcome = parse("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
        #expect(try #require(outcome.requests.first).body.isEmpty)
    }

    @Test("pipelined requests in one buffer come out one by one, in order")
    func pipelined() throws {
        let input = "POST /one HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
            + "GET /two HTTP/1.1\r\nHost: h\r\n\r\n"
            + "POST /three HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nxy\r\n0\r\n\r\n"
            + "GET /four HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
        var parser = HTTPRequestParser()
        parser.append(contentsOf: bytes(input))
        var paths: [String] = []
        var bodies: [[UInt8]] = []
        while let event = try parser.next() {
            guard case .request(let request) = event else { continue }
            paths.append(request.head.path)
            bodies.append(request.body)
        }
        #expect(paths == ["/one", "/two", "/three", "/four"])
        #expect(bodies == [bytes("abc"), [], bytes("xy"), []])
        #expect(parser.bufferedByteCount == 0, "the buffer is empty once every request is consumed")
        #expect(parser.phase == .idle)
    }

    @Test("a request split from the next one keeps only the unconsumed bytes")
    func compaction() throws {
        var parser = HTTPRequestParser()
        let first = "GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
        let partial = "GET /b HTTP/1.1\r\nHo"
        parser.append(contentsOf: bytes(first + partial))
        guard case .request = try parser.next() else {
            Issue.record("first request missing")
            return
        }
        #expect(try parser.next() == nil)
        #expect(parser.bufferedByteCount == partial.utf8.count)
        parser.append(contentsOf: bytes("st: h\r\n\r\n"))
        guard case .request(let second) = try parser.next() else {
            Issue.record("second request missing")
            return
        }
        #expect(second.head.path == "/b")
        #expect(parser.bufferedByteCount == 0)
    }

    @Test("POST, PUT and PATCH without Content-Length or Transfer-Encoding answer 411", arguments: ["POST", "PUT", "PATCH"])
    func lengthRequired(method: String) throws {
        let outcome = parse("\(method) / HTTP/1.1\r\nHost: h\r\n\r\n")
        let error = try #require(outcome.error)
        #expect(error.status == 411)
        #expect(error.head?.method == method)
        #expect(outcome.requests.isEmpty)
    }

    @Test("other methods without Content-Length or Transfer-Encoding have no body", arguments: ["GET", "DELETE", "HEAD", "OPTIONS"])
    func noBodyMethods(method: String) throws {
        let outcome = parse("\(method) / HTTP/1.1\r\nHost: h\r\n\r\nGET /next HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(outcome.requests.map(\.head.path) == ["/", "/next"])
        #expect(outcome.requests.allSatisfy { $0.body.isEmpty })
    }

    @Test("a GET with Content-Length has that body")
    func getWithBody() throws {
        let outcome = parse("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nhiGET /x HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(outcome.requests.map(\.body) == [bytes("hi"), []])
    }

    @Test("an empty line before the request line is ignored")
    func leadingEmptyLines() throws {
        let outcome = parse("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(outcome.requests.count == 1)
        #expect(outcome.error == nil)
    }

    @Test("an HTTP/1.0 request needs no Host and closes unless keep-alive is asked")
    func http10() throws {
        let closing = parse("GET / HTTP/1.0\r\n\r\n")
        #expect(try #require(closing.requests.first).head.keepAlive == false)
        #expect(try #require(closing.requests.first).head.version == .http1_0)
        let kept = parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")
        #expect(try #require(kept.requests.first).head.keepAlive)
    }

    @Test("Connection: close ends an HTTP/1.1 connection, in any case and in a list")
    func connectionClose() throws {
        let outcome = parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: upgrade, CLOSE\r\n\r\n")
        #expect(try #require(outcome.requests.first).head.keepAlive == false)
        let other = parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\n\r\n")
        #expect(try #require(other.requests.first).head.keepAlive)
    }

    @Test("an absolute-form target has the path after its authority")
    func absoluteForm() throws {
        let outcome = parse("GET http://example.com:8443/callbacks/x?y=1 HTTP/1.1\r\nHost: example.com\r\n\r\n")
        #expect(try #require(outcome.requests.first).head.path == "/callbacks/x")
        #expect(HTTPRequestHead(method: "GET", target: "https://h?q").path == "/")
    }

    @Test("field values keep obs-text bytes and inner whitespace")
    func valueBytes() throws {
        let outcome = parse("GET / HTTP/1.1\r\nHost: h\r\nX-Name: caf\u{E9}  au\tlait\r\n\r\n")
        #expect(try #require(outcome.requests.first).head.headers["x-name"] == "caf\u{E9}  au\tlait")
    }

    @Test("repeated header names stay separate and in order")
    func repeatedHeaders() throws {
        let outcome = parse("GET / HTTP/1.1\r\nHost: h\r\nAccept: a\r\naccept: b\r\n\r\n")
        let head = try #require(outcome.requests.first).head
        #expect(head.headers.values("ACCEPT") == ["a", "b"])
        #expect(head.headers.map(\.name) == ["Host", "Accept", "accept"])
    }
}

@Suite("HTTPRequestParser: Expect: 100-continue")
struct ExpectContinueTests {
    let head = "POST /callbacks/t HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 4\r\n\r\n"

    @Test("the head asking 100-continue comes out first, then the request with its body")
    func continueThenRequest() throws {
        var parser = HTTPRequestParser()
        parser.append(contentsOf: bytes(head))
        guard case .continueExpected(let expected) = try parser.next() else {
            Issue.record("no continueExpected event")
            return
        }
        #expect(expected.path == "/callbacks/t")
        #expect(expected.expectsContinue)
        #expect(try parser.next() == nil, "the 100-continue event comes once")
        parser.append(contentsOf: bytes("data"))
        guard case .request(let request) = try parser.next() else {
            Issue.record("no request after the body")
            return
        }
        #expect(request.body == bytes("data"))
    }

    @Test("a body that already arrived needs no 100 Continue")
    func bodyAlreadyHere() throws {
        let outcome = parse(head + "data")
        #expect(outcome.continueCount == 0)
        #expect(outcome.requests.count == 1)
    }

    @Test("a chunked body asks 100 Continue until its last chunk arrives")
    func chunkedContinue() throws {
        let outcome = parse(parts: [
            bytes("POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab"),
            bytes("\r\n0\r\n\r\n"),
        ])
        #expect(outcome.continueCount == 1)
        #expect(outcome.requests.first?.body == bytes("ab"))
    }

    @Test("a body over the limit answers 413, not 100 Continue")
    func overLimit() throws {
        let outcome = parse(head, limits: HTTPLimits(maxBodyBytes: 3))
        #expect(outcome.continueCount == 0)
        #expect(outcome.error?.status == 413)
    }

    @Test("an HTTP/1.0 request's expectation is ignored (RFC 9110 §10.1.1)")
    func http10Ignored() throws {
        let outcome = parse("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n")
        #expect(outcome.continueCount == 0)
        let outcomeWithBody = parse("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx")
        #expect(outcomeWithBody.requests.first?.head.expectsContinue == false)
    }
}

@Suite("HTTPRequestParser: phase, death and the rejected body")
struct ParserStateTests {
    @Test("the phase follows the request: idle, head, body, idle")
    func phases() throws {
        var parser = HTTPRequestParser()
        #expect(parser.phase == .idle)
        parser.append(contentsOf: bytes("\r\n"))
        #expect(try parser.next() == nil)
        #expect(parser.phase == .idle, "empty lines before a request are not a request")
        parser.append(contentsOf: bytes("POST / HTTP/1.1\r\nHost"))
        #expect(try parser.next() == nil)
        #expect(parser.phase == .head)
        parser.append(contentsOf: bytes(": h\r\nContent-Length: 2\r\n\r\n"))
        #expect(try parser.next() == nil)
        #expect(parser.phase == .body)
        parser.append(contentsOf: bytes("ok"))
        #expect(try parser.next() != nil)
        #expect(parser.phase == .idle)
    }

    @Test("bytes appended but not yet scanned already count as a head")
    func unscannedIsHead() {
        var parser = HTTPRequestParser()
        parser.append(contentsOf: bytes("G"))
        #expect(parser.phase == .head)
    }

    @Test("after an error the parser is dead: the same error again, no later request")
    func deadAfterError() throws {
        var parser = HTTPRequestParser()
        parser.append(contentsOf: bytes("GET / HTTP/1.1\r\nHost : h\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n"))
        var first: HTTPRequestError?
        do throws(HTTPRequestError) { _ = try parser.next() } catch { first = error }
        let error = try #require(first)
        #expect(error.status == 400)
        parser.append(contentsOf: bytes("GET / HTTP/1.1\r\nHost: h\r\n\r\n"))
        #expect(throws: error) { try parser.next() }
        #expect(throws: error) { try parser.next() }
    }

    @Test("a 413 on Content-Length carries the head and keeps a bounded prefix of the body")
    func rejectedBodyPrefix() throws {
        var parser = HTTPRequestParser(limits: HTTPLimits(maxBodyBytes: 10, maxRejectedBodyPrefixBytes: 8))
        parser.append(contentsOf: bytes("POST /callbacks/t HTTP/1.1\r\nHost: h\r\nContent-Length: 20\r\n\r\nabc"))
        #expect(throws: HTTPRequestError.self) { try parser.next() }
        var caught: HTTPRequestError?
        do throws(HTTPRequestError) { _ = try parser.next() } catch { caught = error }
        let error = try #require(caught)
        #expect(error.status == 413)
        #expect(error.param == "content-length")
        #expect(error.head?.path == "/callbacks/t")
        #expect(parser.bufferedBytePrefix == bytes("abc"))
        parser.append(contentsOf: bytes("defghijklmnop"))
        #expect(parser.bufferedBytePrefix == bytes("abcdefgh"), "the prefix stops at its limit")
        #expect(parser.bufferedByteCount <= 200, "bytes past the prefix are not kept")
    }

    @Test("a chunked body refused mid-way keeps its decoded prefix")
    func chunkedRejectedPrefix() throws {
        let limits = HTTPLimits(maxBodyBytes: 6)
        var parser = HTTPRequestParser(limits: limits)
        parser.append(contentsOf: bytes("POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n"))
        #expect(try parser.next() == nil)
        #expect(parser.bufferedBytePrefix == bytes("abcd"))
        parser.append(contentsOf: bytes("3\r\n"))
        #expect(throws: HTTPRequestError.self) { try parser.next() }
        #expect(parser.bufferedBytePrefix == bytes("abcd"))
    }

    @Test("an error in the head leaves no body prefix")
    func headErrorNoPrefix() {
        var parser = HTTPRequestParser()
        parser.append(contentsOf: bytes("GET / HTTP/1.1\r\nHost: h\r\nBad Name: x\r\n\r\nbody"))
        #expect(throws: HTTPRequestError.self) { try parser.next() }
        #expect(parser.bufferedBytePrefix.isEmpty)
        #expect(parser.bufferedByteCount == 0)
    }

    @Test("appending through an UnsafeRawBufferPointer works like a collection")
    func rawAppend() throws {
        var parser = HTTPRequestParser()
        let input = bytes("GET /raw HTTP/1.1\r\nHost: h\r\n\r\n")
        input.withUnsafeBytes { parser.append($0) }
        guard case .request(let request) = try parser.next() else {
            Issue.record("no request")
            return
        }
        #expect(request.head.path == "/raw")
    }
}
