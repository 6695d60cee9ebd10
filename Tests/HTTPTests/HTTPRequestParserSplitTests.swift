import HTTP
import Testing

/// Inputs whose outcome must not depend on where the bytes are cut.
struct SplitCase: Sendable, CustomTestStringConvertible {
    var name: String
    var input: [UInt8]
    var limits = HTTPLimits()
    /// What the whole input gives: the bodies of the requests, and the error status.
    var bodies: [String]
    var status: Int?

    var testDescription: String { name }

    static let all: [SplitCase] = [
        SplitCase(
            name: "chunked with extensions and trailers, then a Content-Length request",
            input: bytes(
                "\r\nPOST /callbacks/abc?x=1 HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n"
                    + "X-Value:  spaced  \r\n\r\n"
                    + "5;ext=1\r\nhello\r\nA ;e\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n"
                    + "PUT /two HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc"),
            bodies: ["hello0123456789", "abc"]),
        SplitCase(
            name: "Expect: 100-continue with a Content-Length body",
            input: bytes("POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\nbody"),
            bodies: ["body"]),
        SplitCase(
            name: "a request, then a bad chunk",
            input: bytes("GET / HTTP/1.1\r\nHost: h\r\n\r\n"
                + "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\n"),
            bodies: [""], status: 400),
        SplitCase(
            name: "a chunked body over the limit",
            input: bytes("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n"),
            limits: HTTPLimits(maxBodyBytes: 12), bodies: [], status: 413),
        SplitCase(
            name: "a target over the limit that also holds a bad byte",
            input: bytes("GET /" + String(repeating: "a", count: 40) + "\u{01} HTTP/1.1\r\n"),
            limits: HTTPLimits(maxURIBytes: 30), bodies: [], status: 414),
        SplitCase(
            name: "a head over the limit",
            input: bytes("GET / HTTP/1.1\r\nHost: h\r\nX: " + String(repeating: "v", count: 60) + "\r\n\r\n"),
            limits: HTTPLimits(maxHeaderBytes: 50), bodies: [], status: 431),
        SplitCase(
            name: "quoted chunk extensions with escapes and BWS, then an IPv6 Host",
            input: bytes("POST / HTTP/1.1\r\nHost: [2001:db8::1]:8443\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5 ; a = \"q;\\\"b\\\\\" ;c\r\nhello\r\n0;z=\"\"\r\n\r\n"
                + "GET / HTTP/1.1\r\nHost: example.com:80\r\n\r\n"),
            bodies: ["hello", ""]),
        SplitCase(
            name: "a chunk extension whose quoted-string runs into the CRLF",
            input: bytes("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5;a=\"x\\\"\r\nhello\r\n0\r\n\r\n"),
            bodies: [], status: 400),
        SplitCase(
            name: "a Host with an empty port",
            input: bytes("GET / HTTP/1.1\r\nHost: example.com:\r\n\r\n"),
            bodies: [], status: 400),
        SplitCase(
            name: "a bare CR in a header value",
            input: bytes("GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n"),
            bodies: [], status: 400),
    ]
}

@Suite("HTTPRequestParser: any split gives the same result")
struct HTTPRequestParserSplitTests {
    @Test("the whole input gives the expected result", arguments: SplitCase.all)
    func whole(_ split: SplitCase) {
        let outcome = parse(parts: [split.input], limits: split.limits)
        #expect(outcome.requests.map { String(decoding: $0.body, as: UTF8.self) } == split.bodies)
        #expect(outcome.error?.status == split.status)
    }

    @Test("cut in two at every byte boundary, the result is the same", arguments: SplitCase.all)
    func everyCut(_ split: SplitCase) {
        let whole = parse(parts: [split.input], limits: split.limits)
        for cut in 0...split.input.count {
            let parts = [Array(split.input[..<cut]), Array(split.input[cut...])]
            let outcome = parse(parts: parts, limits: split.limits)
            #expect(outcome.requests == whole.requests, "cut at \(cut)")
            #expect(outcome.error == whole.error, "cut at \(cut)")
            #expect(outcome.continueCount <= outcome.requests.count + 1)
        }
    }

    @Test("fed one byte at a time, the result is the same", arguments: SplitCase.all)
    func byteByByte(_ split: SplitCase) {
        let whole = parse(parts: [split.input], limits: split.limits)
        let outcome = parse(parts: split.input.map { [$0] }, limits: split.limits)
        #expect(outcome.requests == whole.requests)
        #expect(outcome.error == whole.error)
    }

    @Test("cut in three everywhere, the result is the same")
    func threeParts() {
        let split = SplitCase.all[0]
        let whole = parse(parts: [split.input], limits: split.limits)
        let input = split.input
        for first in stride(from: 0, through: input.count, by: 7) {
            for second in first...input.count {
                let parts = [Array(input[..<first]), Array(input[first..<second]), Array(input[second...])]
                let outcome = parse(parts: parts, limits: split.limits)
                #expect(outcome.requests == whole.requests, "cuts at \(first), \(second)")
                #expect(outcome.error == nil)
            }
        }
    }
}
