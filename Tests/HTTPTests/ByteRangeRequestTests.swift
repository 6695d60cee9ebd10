import Testing
import HTTP

@Suite("A request's Range, as a server sending one range or the whole answers it")
struct ByteRangeRequestTests {
    @Test("single ranges select their bytes, the end clamped", arguments: [
        ("bytes=0-99", ByteRangeRequest.partial(offset: 0, count: 100)),
        ("bytes=100-", .partial(offset: 100, count: 900)),
        ("bytes=990-5000", .partial(offset: 990, count: 10)),
        ("bytes=-10", .partial(offset: 990, count: 10)),
        ("bytes=-5000", .partial(offset: 0, count: 1000)),
        ("Bytes = 5-5", .partial(offset: 5, count: 1)),
        ("bytes=999-999", .partial(offset: 999, count: 1)),
    ])
    func satisfiable(header: String, expected: ByteRangeRequest) {
        #expect(ByteRangeRequest(header: header, length: 1000) == expected)
    }

    @Test("a range starting at or past the end, or a zero suffix, is unsatisfiable (416)",
          arguments: ["bytes=1000-", "bytes=1000-2000", "bytes=5000-6000", "bytes=-0"])
    func unsatisfiable(header: String) {
        #expect(ByteRangeRequest(header: header, length: 1000) == .unsatisfiable)
    }

    @Test("an empty file has no satisfiable range")
    func emptyFile() {
        #expect(ByteRangeRequest(header: "bytes=0-", length: 0) == .unsatisfiable)
        #expect(ByteRangeRequest(header: "bytes=-1", length: 0) == .unsatisfiable)
    }

    @Test("a header that does not parse, another unit, or several ranges is ignored: the whole file", arguments: [
        "", "bytes", "bytes=", "bytes=-", "bytes=a-b", "bytes=10-5", "bytes=+1-2", "bytes=1 0-20", "items=0-10",
        "bytes=0-1,5-6", "bytes=99999999999999999999-", "bytes=0-99999999999999999999",
    ])
    func ignored(header: String) {
        #expect(ByteRangeRequest(header: header, length: 1000) == .whole)
    }

    @Test("no header, or one longer than the limit, is the whole file")
    func absentOrLong() {
        #expect(ByteRangeRequest(header: nil, length: 1000) == .whole)
        let long = "bytes=0-1" + String(repeating: " ", count: ByteRangeRequest.maxHeaderLength)
        #expect(ByteRangeRequest(header: long, length: 1000) == .whole)
        let atLimit = "bytes=0-1" + String(repeating: " ", count: ByteRangeRequest.maxHeaderLength - 9)
        #expect(ByteRangeRequest(header: atLimit, length: 1000) == .partial(offset: 0, count: 2))
    }

    @Test("a file body's head says its range's length and carries no body bytes")
    func fileBodyFraming() {
        let response = HTTPResponse(status: 206, file: HTTPFileBody(descriptor: -1, offset: 10, length: 4096))
        let text = String(decoding: response.serialized(keepAlive: true), as: UTF8.self)
        #expect(text.contains("Content-Length: 4096\r\n"))
        #expect(text.hasSuffix("\r\n\r\n"))
        #expect(response.sendsBody(headRequest: false) && !response.sendsBody(headRequest: true))
    }
}
