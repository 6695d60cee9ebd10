import HTTP
import Testing

@Suite("HTTPRequestParser: limits")
struct HTTPRequestParserLimitTests {
    @Test("a target of exactly maxURIBytes is accepted")
    func targetAtLimit() throws {
        let target = "/" + String(repeating: "a", count: 99)
        let outcome = parse("GET \(target) HTTP/1.1\r\nHost: h\r\n\r\n", limits: HTTPLimits(maxURIBytes: 100))
        #expect(outcome.requests.first?.head.target == target)
    }

    @Test("a target one byte over maxURIBytes answers 414 before the line ends")
    func targetOverLimit() throws {
        var parser = HTTPRequestParser(limits: HTTPLimits(maxURIBytes: 100))
        parser.append(contentsOf: bytes("GET /" + String(repeating: "a", count: 99)))
        #expect(try parser.next() == nil, "100 bytes of target are still allowed")
        parser.append(contentsOf: bytes("b"))
        #expect(throws: HTTPRequestError.self) { try parser.next() }
        var status: Int?
        do throws(HTTPRequestError) { _ = try parser.next() } catch { status = error.status }
        #expect(status == 414)
    }

    @Test("a head of exactly maxHeaderBytes is accepted")
    func headAtLimit() throws {
        let start = "GET / HTTP/1.1\r\nHost: h\r\nX-Pad: "
        let limit = 200
        let padding = String(repeating: "p", count: limit - start.utf8.count - 4)
        let head = start + padding + "\r\n\r\n"
        #expect(head.utf8.count == limit)
        let outcome = parse(head, limits: HTTPLimits(maxHeaderBytes: limit))
        #expect(outcome.error == nil)
        #expect(outcome.requests.count == 1)
        let over = parse(start + padding + "p\r\n\r\n", limits: HTTPLimits(maxHeaderBytes: limit))
        #expect(over.error?.status == 431)
    }

    @Test("a head over maxHeaderBytes answers 431 as soon as the byte over it arrives")
    func headOverLimitEarly() throws {
        let limits = HTTPLimits(maxHeaderBytes: 64)
        var parser = HTTPRequestParser(limits: limits)
        let head = bytes("GET / HTTP/1.1\r\nHost: h\r\nX-Long: " + String(repeating: "v", count: 100))
        parser.append(contentsOf: head[..<64])
        #expect(try parser.next() == nil)
        parser.append(contentsOf: head[64..<65])
        var status: Int?
        do throws(HTTPRequestError) { _ = try parser.next() } catch { status = error.status }
        #expect(status == 431)
    }

    @Test("an unterminated head never grows the buffer past the limit and one read")
    func unterminatedHeadMemory() throws {
        let limits = HTTPLimits(maxHeaderBytes: 4096)
        var parser = HTTPRequestParser(limits: limits)
        let read = 512
        parser.append(contentsOf: bytes("GET / HTTP/1.1\r\nX: "))
        var status: Int?
        for _ in 0..<1000 {
            parser.append(contentsOf: [UInt8](repeating: 0x61, count: read))
            #expect(parser.bufferedByteCount <= limits.maxHeaderBytes + read)
            do throws(HTTPRequestError) { _ = try parser.next() } catch {
                status = error.status
                break
            }
        }
        #expect(status == 431)
        #expect(parser.bufferedByteCount == 0, "a dead parser frees its head bytes")
        parser.append(contentsOf: [UInt8](repeating: 0x61, count: read))
        #expect(parser.bufferedByteCount == 0, "and takes no more")
    }

    @Test("empty lines before a request count against the head limit")
    func emptyLinesBounded() throws {
        let outcome = parse(String(repeating: "\r\n", count: 100), limits: HTTPLimits(maxHeaderBytes: 64))
        #expect(outcome.error?.status == 431)
    }

    @Test("maxHeaderCount fields are accepted, one more answers 431")
    func headerCount() throws {
        let limits = HTTPLimits(maxHeaderCount: 5)
        let fields = (1...4).map { "X-\($0): v\r\n" }.joined()
        let atLimit = parse("GET / HTTP/1.1\r\nHost: h\r\n\(fields)\r\n", limits: limits)
        #expect(atLimit.requests.count == 1)
        let over = parse("GET / HTTP/1.1\r\nHost: h\r\n\(fields)X-5: v\r\n", limits: limits)
        #expect(over.error?.status == 431, "refused when the sixth line ends, before the head does")
    }

    @Test("a Content-Length of exactly maxBodyBytes is accepted")
    func bodyAtLimit() throws {
        let outcome = parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 8\r\n\r\n12345678", limits: HTTPLimits(maxBodyBytes: 8))
        #expect(outcome.requests.first?.body.count == 8)
    }

    @Test("a Content-Length over maxBodyBytes answers 413 as soon as the head is complete")
    func bodyOverLimitByLength() throws {
        let outcome = parse("POST /callbacks/t HTTP/1.1\r\nHost: h\r\nContent-Length: 9\r\n\r\n",
                            limits: HTTPLimits(maxBodyBytes: 8))
        let error = try #require(outcome.error)
        #expect(error.status == 413)
        #expect(error.head?.path == "/callbacks/t", "the head comes with the error")
    }

    @Test("a chunked body answers 413 as soon as the chunk sizes pass maxBodyBytes")
    func chunkedOverLimit() throws {
        var parser = HTTPRequestParser(limits: HTTPLimits(maxBodyBytes: 10))
        parser.append(contentsOf: bytes("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n"))
        #expect(try parser.next() == nil)
        parser.append(contentsOf: bytes("4\r\n"))
        #expect(try parser.next() == nil, "6 + 4 bytes are still within the limit")
        parser.append(contentsOf: bytes("wxyz\r\n1"))
        var caught: HTTPRequestError?
        do throws(HTTPRequestError) { _ = try parser.next() } catch { caught = error }
        let error = try #require(caught, "refused on the size digit, before any of its data")
        #expect(error.status == 413)
        #expect(error.head != nil)
    }

    @Test("a chunked body of exactly maxBodyBytes is accepted")
    func chunkedAtLimit() throws {
        let outcome = parse(
            "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n4\r\nwxyz\r\n0\r\n\r\n",
            limits: HTTPLimits(maxBodyBytes: 10))
        #expect(outcome.requests.first?.body.count == 10)
    }

    @Test("a chunk-size line over maxChunkLineBytes answers 400")
    func chunkLineLimit() throws {
        let head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        let limits = HTTPLimits(maxChunkLineBytes: 16)
        let atLimit = parse(head + "1;" + String(repeating: "e", count: 14) + "\r\nx\r\n0\r\n\r\n", limits: limits)
        #expect(atLimit.requests.first?.body == bytes("x"))
        let over = parse(head + "1;" + String(repeating: "e", count: 15), limits: limits)
        #expect(over.error?.status == 400)
        let zeros = parse(head + String(repeating: "0", count: 17), limits: limits)
        #expect(zeros.error?.status == 400, "leading zeros count too")
    }

    @Test("trailers over the header limits answer 431")
    func trailerLimits() throws {
        let head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n"
        let bytesOver = parse(head + "X: " + String(repeating: "t", count: 100), limits: HTTPLimits(maxHeaderBytes: 90))
        #expect(bytesOver.error?.status == 431)
        let countOver = parse(head + "A: 1\r\nB: 2\r\nC: 3\r\n\r\n", limits: HTTPLimits(maxHeaderCount: 2))
        #expect(countOver.error?.status == 431)
    }

    @Test("a chunked body with long extensions holds only its decoded bytes and one line")
    func chunkExtensionMemory() throws {
        let limits = HTTPLimits(maxBodyBytes: 1 << 20, maxChunkLineBytes: 4096)
        var parser = HTTPRequestParser(limits: limits)
        parser.append(contentsOf: bytes("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"))
        #expect(try parser.next() == nil)
        let chunk = bytes("1;" + String(repeating: "e", count: 4000) + "\r\nx\r\n")
        var largest = 0
        for _ in 0..<500 {
            var offset = 0
            while offset < chunk.count {
                let end = min(chunk.count, offset + 1024)
                parser.append(contentsOf: chunk[offset..<end])
                largest = max(largest, parser.bufferedByteCount)
                #expect(try parser.next() == nil)
                offset = end
            }
        }
        parser.append(contentsOf: bytes("0\r\n\r\n"))
        guard case .request(let request) = try parser.next() else {
            Issue.record("no request")
            return
        }
        #expect(request.body == [UInt8](repeating: 0x78, count: 500))
        #expect(largest <= 4096 + 1024, "\(largest) bytes buffered for 2 MB of framing")
    }
}
