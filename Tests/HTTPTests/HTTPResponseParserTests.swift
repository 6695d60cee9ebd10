import HTTP
import Testing

/// Feeds a response in `splits` pieces; returns the head, the body decoded from the
/// bytes after it (and `finish()` at the end), or the first error.
private func readResponse(_ text: String, splitEvery size: Int = .max, method: String = "GET",
                          closeAtEnd: Bool = true) -> (head: HTTPResponseHead?, body: [UInt8], complete: Bool, error: String?) {
    let all = Array(text.utf8)
    var parser = HTTPResponseParser(maxHeadBytes: 1024, maxHeaderCount: 8)
    var head: HTTPResponseHead?
    var decoder: HTTPResponseBodyDecoder?
    var body: [UInt8] = []
    var index = 0
    do {
        while index < all.count {
            let end = min(all.count, index + size)
            try all[index..<end].withUnsafeBytes { (piece: UnsafeRawBufferPointer) in
                var rest = piece
                if decoder == nil {
                    guard let parsed = try parser.parse(rest) else { return }
                    head = parsed.head
                    decoder = HTTPResponseBodyDecoder(framing: try parsed.head.framing(requestMethod: method), maxLineBytes: 64)
                    rest = UnsafeRawBufferPointer(rebasing: rest[parsed.consumed...])
                }
                _ = try decoder!.decode(rest) { body.append(contentsOf: $0) }
            }
            index = end
        }
        if closeAtEnd { try decoder?.finish() }
    } catch {
        return (head, body, decoder?.isComplete ?? false, "\(error)")
    }
    return (head, body, decoder?.isComplete ?? false, nil)
}

@Suite("HTTP response parser")
struct HTTPResponseParserTests {
    @Test("a Content-Length response reads the same however it is split", arguments: [1, 2, 7, 1000])
    func contentLengthAnySplit(_ split: Int) {
        let result = readResponse("HTTP/1.1 200 OK\r\nContent-Type: video/mp4\r\nContent-Length: 5\r\nETag:  \"abc\" \r\n\r\nhello",
                                  splitEvery: split)
        #expect(result.error == nil)
        #expect(result.head?.status == 200 && result.head?.reason == "OK")
        #expect(result.head?.headers["etag"] == "\"abc\"")
        #expect(result.body == Array("hello".utf8) && result.complete)
    }

    @Test("bytes after a Content-Length body are not part of it")
    func bytesAfterBodyLeftOver() throws {
        var parser = HTTPResponseParser()
        let text = Array("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcEXTRA".utf8)
        try text.withUnsafeBytes { raw in
            let parsed = try #require(try parser.parse(raw))
            var decoder = HTTPResponseBodyDecoder(framing: try parsed.head.framing(requestMethod: "GET"))
            var body: [UInt8] = []
            let used = try decoder.decode(UnsafeRawBufferPointer(rebasing: raw[parsed.consumed...])) { body.append(contentsOf: $0) }
            #expect(body == Array("abc".utf8) && used == 3 && decoder.isComplete)
        }
    }

    @Test("a chunked body with extensions and trailers decodes, split anywhere", arguments: [1, 3, 1000])
    func chunked(_ split: Int) {
        let result = readResponse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;name=v\r\nWiki\r\n5 \r\npedia\r\n0\r\nX-Trailer: t\r\n\r\n",
                                  splitEvery: split)
        #expect(result.error == nil)
        #expect(String(decoding: result.body, as: UTF8.self) == "Wikipedia" && result.complete)
    }

    @Test("a body without length ends with the connection")
    func untilClose() {
        let result = readResponse("HTTP/1.0 200 OK\r\nContent-Type: video/mp4\r\n\r\nall of it", splitEvery: 4)
        #expect(result.error == nil && result.head?.version == .http1_0)
        #expect(String(decoding: result.body, as: UTF8.self) == "all of it" && result.complete)
    }

    @Test("a connection that ends early is an error that says how much came", arguments: [
        ("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", "after 3 of 10 body bytes"),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", "inside a chunked body, after 2 bytes"),
    ])
    func cutShort(_ text: String, _ message: String) {
        let result = readResponse(text)
        #expect(result.error?.contains(message) == true, "\(result.error ?? "no error")")
    }

    @Test("responses without a body: HEAD, 204, 304", arguments: [
        ("HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n", "HEAD"),
        ("HTTP/1.1 204 No Content\r\n\r\n", "GET"),
        ("HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n", "GET"),
    ])
    func noBody(_ text: String, _ method: String) throws {
        let result = readResponse(text, method: method, closeAtEnd: false)
        #expect(result.error == nil && result.complete && result.body.isEmpty)
    }

    @Test("ambiguous or unreadable responses are refused", arguments: [
        ("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc", "both Transfer-Encoding and Content-Length"),
        ("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabc", "not one non-negative decimal"),
        ("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "not one non-negative decimal"),
        ("HTTP/1.1 200 OK\r\nContent-Length: 1e3\r\n\r\n", "not one non-negative decimal"),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", "only \"chunked\" is read"),
        ("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "does not have"),
        ("HTTP/1.1 200 OK\nContent-Length: 1\r\n\r\n", "bare LF in the status line"),
        ("HTTP/1.1 200 OK\r\nContent-Length: 1\n\r\n", "bare LF"),
        ("HTTP/1.1 200 OK\r\n Folded: x\r\n\r\n", "obsolete line folding"),
        ("HTTP/1.1 200 OK\r\nName : x\r\n\r\n", "whitespace between"),
        ("HTTP/2 200 OK\r\n\r\n", "is not"),
        ("HTTP/1.1 2000 OK\r\n\r\n", "no space after the status code"),
        ("HTTP/1.1 20x OK\r\n\r\n", "three-digit status"),
        ("HTTP/1.1 099 Low\r\n\r\n", "below 100"),
        ("HTTP/1.1 200 O\u{1}K\r\n\r\n", "control character"),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "not a hexadecimal size"),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n", "its size is wrong"),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000000\r\n", "more than 15 hexadecimal digits"),
    ])
    func refused(_ text: String, _ message: String) {
        let result = readResponse(text)
        #expect(result.error?.contains(message) == true, "\(result.error ?? "no error")")
    }

    @Test("a status line without a reason is read, with or without its space", arguments: [
        "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", "HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n",
    ])
    func emptyReason(_ text: String) {
        let result = readResponse(text)
        #expect(result.error == nil && result.head?.status == 200 && result.head?.reason == "")
    }

    @Test("equal repeated Content-Lengths are one length")
    func repeatedEqualLengths() throws {
        let head = HTTPResponseHead(status: 200, headers: ["Content-Length": "4, 4"])
        #expect(try head.framing(requestMethod: "GET") == .length(4))
    }

    @Test("a head over the limit, or with too many fields, is refused")
    func headLimits() {
        let long = readResponse("HTTP/1.1 200 OK\r\nX: " + String(repeating: "a", count: 1100) + "\r\n\r\n")
        #expect(long.error?.contains("larger than 1024 bytes") == true)
        let many = readResponse("HTTP/1.1 200 OK\r\n" + (0..<9).map { "X\($0): y\r\n" }.joined() + "\r\n")
        #expect(many.error?.contains("more than 8 header fields") == true)
        let longChunkLine = readResponse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;" + String(repeating: "e", count: 80) + "\r\n")
        #expect(longChunkLine.error?.contains("longer than 64 bytes") == true)
    }

    @Test("an interim 100 response is its own head; the parser reads the next one after reset")
    func interimResponse() throws {
        var parser = HTTPResponseParser()
        let text = Array("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".utf8)
        try text.withUnsafeBytes { raw in
            let first = try #require(try parser.parse(raw))
            #expect(first.head.isInterim && first.consumed == 25)
            let second = try #require(try parser.parse(UnsafeRawBufferPointer(rebasing: raw[first.consumed...])))
            #expect(second.head.status == 200 && !second.head.isInterim)
        }
    }
}

@Suite("Content-Range")
struct HTTPContentRangeTests {
    @Test("byte ranges and unsatisfied ranges are read", arguments: [
        ("bytes 100-199/1000", HTTPContentRange(first: 100, last: 199, completeLength: 1000)),
        ("bytes 0-0/*", HTTPContentRange(first: 0, last: 0, completeLength: nil)),
        ("bytes */5000", HTTPContentRange(first: nil, last: nil, completeLength: 5000)),
        ("BYTES 5-9/10", HTTPContentRange(first: 5, last: 9, completeLength: 10)),
    ])
    func parsed(_ text: String, _ expected: HTTPContentRange) {
        #expect(HTTPContentRange(parsing: text) == expected)
    }

    @Test("anything else is not a range this client trusts", arguments: [
        "bytes 200-100/1000", "bytes 0-1000/1000", "items 0-1/2", "bytes */*", "bytes 1-/10", "bytes -5/10", "bytes 1-2",
    ])
    func refused(_ text: String) {
        #expect(HTTPContentRange(parsing: text) == nil)
    }
}
