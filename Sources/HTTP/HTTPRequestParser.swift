/// The HTTP/1.1 request parser (RFC 9112) for one connection. The server appends the
/// bytes it reads and calls `next()` until it returns nil; pipelined requests come out
/// one by one, in order.
///
/// The parser is strict: whatever could let another parser read the same bytes as a
/// different message (request smuggling) is refused with 400, and each limit has its own
/// status (414, 431, 413). Each byte is looked at once: the scan resumes where the last
/// call stopped, and the verdict for a byte depends only on the bytes before it, so the
/// same bytes give the same events however they were split.
///
/// Memory: call `next()` after every `append`. An unterminated head is refused as soon
/// as it passes `maxHeaderBytes`, so the buffer never holds more than that plus one read;
/// a chunked body holds its decoded bytes and only the framing not yet decoded.
public struct HTTPRequestParser: Sendable {
    public enum Phase: Sendable, Equatable {
        /// No byte of a next request is buffered (empty lines before a request line
        /// count as none): the server applies its idle timeout.
        case idle
        /// Part of a request head is buffered: the header timeout.
        case head
        /// The head is complete, the body is not: the body timeout.
        case body
    }

    private enum Stage: Sendable {
        case head, body, failed
    }

    public let limits: HTTPLimits
    private var buffer: [UInt8] = []
    /// Index in `buffer` of the current request's first byte; scanners count from here.
    private var requestStart = 0
    private var stage = Stage.head
    private var headScanner = HeadScanner()
    private var currentHead: HTTPRequestHead?
    private var bodyStart = 0
    private var framing = BodyFraming.none
    private var chunkedDecoder = ChunkedBodyDecoder(start: 0)
    private var continuePending = false
    private var failure: HTTPRequestError?

    public init(limits: HTTPLimits = HTTPLimits()) {
        self.limits = limits
    }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard reserveRoom() else { return }
        let admitted = UnsafeRawBufferPointer(rebasing: bytes[..<admittedCount(bytes.count)])
        admitted.withMemoryRebound(to: UInt8.self) { buffer.append(contentsOf: $0) }
    }

    public mutating func append(contentsOf bytes: some Collection<UInt8>) {
        guard reserveRoom() else { return }
        let admitted = admittedCount(bytes.count)
        if admitted == bytes.count {
            buffer.append(contentsOf: bytes)
        } else {
            buffer.append(contentsOf: bytes.prefix(admitted))
        }
    }

    /// The next complete event from the buffered bytes; nil when more bytes are needed.
    /// After an error the parser is dead: every later call throws the same error, and
    /// the server answers it and closes the connection.
    public mutating func next() throws(HTTPRequestError) -> HTTPParseEvent? {
        if let failure { throw failure }
        do throws(HTTPRequestError) {
            return try advance()
        } catch {
            fail(with: error)
            throw failure ?? error
        }
    }

    public var phase: Phase {
        switch stage {
        case .head:
            let unscanned = buffer.count - requestStart > headScanner.position
            return headScanner.isBeforeRequestLine && !unscanned ? .idle : .head
        case .body:
            return .body
        case .failed:
            return currentHead == nil ? .head : .body
        }
    }

    /// The first body bytes of the current request, at most
    /// `limits.maxRejectedBodyPrefixBytes`: for a Content-Length body the bytes as
    /// received, for a chunked body the bytes decoded so far. Empty before the head is
    /// complete. After an error it is the refused request's body; a parser that failed
    /// on a Content-Length body keeps taking appended bytes up to that size, so the
    /// server may read a little more before it stores what was refused.
    public var bufferedBytePrefix: [UInt8] {
        guard currentHead != nil else { return [] }
        let cap = limits.maxRejectedBodyPrefixBytes
        if framing == .chunked {
            return Array(chunkedDecoder.body.prefix(cap))
        }
        let start = requestStart + bodyStart
        var end = min(buffer.count, start + cap)
        if case .length(let length) = framing { end = min(end, start + length) }
        return start < end ? Array(buffer[start..<end]) : []
    }

    /// Bytes held in the buffer, undecoded: lets the server stop reading from a client
    /// that pipelines faster than it takes answers.
    public var bufferedByteCount: Int { buffer.count - requestStart }

    // MARK: - Stages

    private mutating func advance() throws(HTTPRequestError) -> HTTPParseEvent? {
        if stage == .head {
            guard try scanHead() else { return nil }
            bodyStart = headScanner.position
            let (head, bodyFraming): (HTTPRequestHead, BodyFraming)
            do throws(HTTPRequestError) {
                (head, bodyFraming) = try decodeHead()
            } catch {
                currentHead = error.head
                throw error
            }
            currentHead = head
            framing = bodyFraming
            stage = .body
            continuePending = head.expectsContinue
            if bodyFraming == .chunked { chunkedDecoder = ChunkedBodyDecoder(start: bodyStart) }
        }
        guard let head = currentHead else { return nil }
        switch framing {
        case .none:
            return finish(head: head, body: [], length: bodyStart)
        case .length(let length):
            if buffer.count - requestStart >= bodyStart + length {
                let start = requestStart + bodyStart
                return finish(head: head, body: Array(buffer[start..<(start + length)]), length: bodyStart + length)
            }
        case .chunked:
            if try decodeChunks() {
                return finish(head: head, body: chunkedDecoder.takeBody(), length: chunkedDecoder.position)
            }
        }
        if continuePending {
            continuePending = false
            return .continueExpected(head)
        }
        return nil
    }

    private mutating func scanHead() throws(HTTPRequestError) -> Bool {
        // Moved out so the closure below holds no access to `self` while it mutates the
        // scanner (and so the scanner's arrays stay uniquely referenced).
        var scanner = headScanner
        headScanner = HeadScanner()
        defer { headScanner = scanner }
        let start = requestStart
        let limits = self.limits
        return try buffer.withUnsafeBufferPointer { (all) throws(HTTPRequestError) -> Bool in
            try scanner.scan(UnsafeBufferPointer(rebasing: all[start...]), limits: limits)
        }
    }

    private func decodeHead() throws(HTTPRequestError) -> (HTTPRequestHead, BodyFraming) {
        let start = requestStart
        return try buffer.withUnsafeBufferPointer { (all) throws(HTTPRequestError) in
            try RequestHeadDecoder.decode(UnsafeBufferPointer(rebasing: all[start...]),
                                          scanner: headScanner, limits: limits)
        }
    }

    private mutating func decodeChunks() throws(HTTPRequestError) -> Bool {
        var decoder = chunkedDecoder
        chunkedDecoder = ChunkedBodyDecoder(start: 0)
        defer { chunkedDecoder = decoder }
        let start = requestStart
        let limits = self.limits
        return try buffer.withUnsafeBufferPointer { (all) throws(HTTPRequestError) -> Bool in
            try decoder.decode(UnsafeBufferPointer(rebasing: all[start...]), limits: limits)
        }
    }

    private mutating func finish(head: HTTPRequestHead, body: [UInt8], length: Int) -> HTTPParseEvent {
        requestStart += length
        if requestStart == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            requestStart = 0
        }
        stage = .head
        headScanner = HeadScanner()
        currentHead = nil
        framing = .none
        bodyStart = 0
        continuePending = false
        return .request(HTTPRequest(head: head, body: body))
    }

    private mutating func fail(with error: HTTPRequestError) {
        var error = error
        if error.head == nil { error.head = currentHead }
        failure = error
        stage = .failed
        // Keep only what `bufferedBytePrefix` may still return.
        if currentHead != nil, framing != .chunked {
            let keep = min(buffer.count, requestStart + bodyStart + limits.maxRejectedBodyPrefixBytes)
            buffer.removeSubrange(keep...)
        } else {
            buffer = []
            requestStart = 0
        }
    }

    // MARK: - Buffer

    /// Drops the bytes no scanner needs any more before new ones come in: consumed
    /// requests, and the decoded framing of a chunked body. False when the parser takes
    /// no more bytes.
    private mutating func reserveRoom() -> Bool {
        if stage == .failed {
            return currentHead != nil && framing != .chunked
        }
        var drop = requestStart
        var chunkedShift = 0
        if stage == .body, framing == .chunked {
            chunkedShift = chunkedDecoder.retainedFrom
            drop += chunkedShift
        }
        guard drop > 0 else { return true }
        if drop == buffer.count {
            buffer.removeAll(keepingCapacity: true)
        } else {
            buffer.removeSubrange(0..<drop)
        }
        requestStart = 0
        if chunkedShift > 0 {
            chunkedDecoder.shift(by: chunkedShift)
            bodyStart -= chunkedShift
        }
        return true
    }

    /// How many of `count` new bytes to keep: all of them, except after a failure, when
    /// only the rejected body's prefix is still wanted.
    private func admittedCount(_ count: Int) -> Int {
        guard stage == .failed else { return count }
        let wanted = requestStart + bodyStart + limits.maxRejectedBodyPrefixBytes - buffer.count
        return max(0, min(count, wanted))
    }
}
