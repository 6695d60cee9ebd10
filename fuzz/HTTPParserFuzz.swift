// libFuzzer target for HTTPRequestParser. Built together with Sources/HTTP/*.swift into
// one module by fuzz/run.sh, so it sees the parser's internals too.
//
// Input layout: byte 0 picks the limits (odd: small limits, so every limit is reached
// often), byte 1 seeds where the rest is cut; bytes 2... are what the client sends.
//
// Invariants, each a crash when broken:
// - the same bytes give the same requests and the same error whether fed whole, cut at
//   random places, or one byte at a time;
// - an accepted request keeps every limit, has a Host on HTTP/1.1 with no byte that a
//   valid Host cannot hold, and its body length equals its Content-Length (or fits
//   maxBodyBytes when chunked);
// - "100 Continue" comes at most once per request;
// - a waiting parser never holds more than maxHeaderBytes of an unfinished head;
// - an error has a parser status and a message, repeats on every later call, and keeps
//   at most maxRejectedBodyPrefixBytes of body; its response encodes.

@_cdecl("LLVMFuzzerTestOneInput")
public func httpParserFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 2 else { return 0 }
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let limits = fuzzLimits(input[0])
    let payload = Array(input[2...])

    let whole = FuzzRun(limits: limits).feed([payload[...]])
    var random = SplitRandom(seed: UInt64(input[1]) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(size))
    let split = FuzzRun(limits: limits).feed(random.cut(payload))
    check(split.requests == whole.requests, "random cuts changed the requests")
    check(split.error == whole.error, "random cuts changed the error: \(String(describing: split.error)) vs \(String(describing: whole.error))")
    if payload.count <= 512 {
        let bytewise = FuzzRun(limits: limits).feed(payload.indices.map { payload[$0...$0] })
        check(bytewise.requests == whole.requests, "byte-by-byte feeding changed the requests")
        check(bytewise.error == whole.error, "byte-by-byte feeding changed the error")
    }
    return 0
}

private func fuzzLimits(_ control: UInt8) -> HTTPLimits {
    guard control & 1 == 1 else { return HTTPLimits() }
    let c = Int(control >> 1)
    return HTTPLimits(maxURIBytes: 8 + c % 24, maxHeaderBytes: 48 + c * 3, maxHeaderCount: 1 + c % 5,
                      maxBodyBytes: c % 40, maxChunkLineBytes: 4 + c % 12, maxRejectedBodyPrefixBytes: 1 + c % 9)
}

private func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError("invariant broken: \(message())") }
}

/// Feeds parts to one parser the way the server does and checks what comes out.
private struct FuzzRun {
    let limits: HTTPLimits
    var parser: HTTPRequestParser
    var requests: [HTTPRequest] = []
    var error: HTTPRequestError?
    var continuesSinceRequest = 0

    init(limits: HTTPLimits) {
        self.limits = limits
        parser = HTTPRequestParser(limits: limits)
    }

    func feed(_ parts: [ArraySlice<UInt8>]) -> FuzzRun {
        var run = self
        for (index, part) in parts.enumerated() {
            if index % 2 == 0 {
                run.parser.append(contentsOf: part)
            } else {
                part.withUnsafeBytes { run.parser.append($0) }
            }
            guard run.drain() else { break }
        }
        return run
    }

    /// Calls next() until nil or an error; false once the parser is dead.
    private mutating func drain() -> Bool {
        do throws(HTTPRequestError) {
            while let event = try parser.next() {
                switch event {
                case .continueExpected(let head):
                    continuesSinceRequest += 1
                    check(continuesSinceRequest == 1, "more than one 100-continue for a request")
                    check(head.expectsContinue && head.version == .http1_1, "100-continue for a head that did not ask")
                case .request(let request):
                    continuesSinceRequest = 0
                    checkAccepted(request)
                    requests.append(request)
                }
            }
        } catch {
            checkRefused(error)
            self.error = error
            return false
        }
        if parser.phase != .body {
            check(parser.bufferedByteCount <= limits.maxHeaderBytes, "an unfinished head holds \(parser.bufferedByteCount) bytes")
        }
        return true
    }

    private func checkAccepted(_ request: HTTPRequest) {
        let head = request.head
        check(request.body.count <= limits.maxBodyBytes, "a body over the limit was accepted")
        check(head.target.utf8.count <= limits.maxURIBytes, "a target over the limit was accepted")
        check(head.headers.count <= limits.maxHeaderCount, "too many headers were accepted")
        check(!head.method.isEmpty && head.method.utf8.allSatisfy(HTTPGrammar.isToken), "a bad method was accepted")
        check(head.version == .http1_1 || head.version == .http1_0, "a bad version was accepted")
        check(head.version == .http1_0 || head.headers.values("Host").count == 1, "an HTTP/1.1 request without one Host")
        // Not the grammar again, only bytes that no valid uri-host [ ":" port ] holds.
        let outsideHost = Array(",/@?#\\\"<>{}|^`".utf8)
        for host in head.headers.values("Host") {
            check(!host.utf8.contains { $0 <= 0x20 || $0 >= 0x7F || outsideHost.contains($0) },
                  "a Host with a byte outside the grammar was accepted: \(host.debugDescription)")
            check(!host.hasSuffix(":"), "a Host with an empty port was accepted")
        }
        let lengths = head.headers.values("Content-Length")
        let codings = head.headers.values("Transfer-Encoding")
        check(lengths.count <= 1 && (lengths.isEmpty || codings.isEmpty), "ambiguous framing was accepted")
        if let length = lengths.first {
            check(Int(length.trimmingWhitespace()) == request.body.count, "the body length differs from Content-Length")
        } else if codings.isEmpty {
            check(request.body.isEmpty, "a body without framing")
            check(!["POST", "PUT", "PATCH"].contains(head.method), "a POST without a length was accepted")
        }
        for (name, value) in head.headers {
            check(!name.isEmpty && name.utf8.allSatisfy(HTTPGrammar.isToken), "a bad field name was accepted")
            check(!value.unicodeScalars.contains { $0.value < 0x20 && $0 != "\t" || $0.value == 0x7F },
                  "a control character in a value was accepted")
        }
        _ = HTTPResponse(status: 200, body: request.body).serialized(keepAlive: head.keepAlive, version: head.version)
    }

    private func checkRefused(_ error: HTTPRequestError) {
        check([400, 411, 413, 414, 431, 505].contains(error.status), "unexpected status \(error.status)")
        check(!error.message.isEmpty, "an error without a message")
        var parser = self.parser
        var again: HTTPRequestError?
        do throws(HTTPRequestError) { _ = try parser.next() } catch { again = error }
        check(again == error, "a dead parser did not repeat its error")
        check(parser.bufferedBytePrefix.count <= limits.maxRejectedBodyPrefixBytes, "the rejected body prefix is too long")
        let encoded = HTTPResponse(error: error).serialized(keepAlive: false)
        check(!encoded.isEmpty, "the error response did not encode")
    }
}

/// A small deterministic generator for cut points (xorshift64*).
private struct SplitRandom {
    var state: UInt64

    init(seed: UInt64) { state = seed | 1 }

    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }

    /// `bytes` cut into parts of random sizes, empty parts included.
    mutating func cut(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        var parts: [ArraySlice<UInt8>] = []
        var start = 0
        while start < bytes.count {
            let length = Int(next() % 24)
            let end = min(bytes.count, start + length)
            parts.append(bytes[start..<end])
            start = end
        }
        return parts
    }
}
