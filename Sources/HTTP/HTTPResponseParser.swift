/// Reads a response head (status line, header fields, empty line) from bytes as they
/// arrive, strictly (RFC 9112 §4, §5): CRLF line ends only, no obsolete line folding, no
/// whitespace before a colon, a three-digit status, HTTP/1.0 or HTTP/1.1.
///
/// Field lines are judged by the same scanner as the server's request heads. The head
/// is held until complete, never more than `maxHeadBytes`; body bytes that arrive with
/// it are left to the caller (see ``parse(_:)``).
public struct HTTPResponseParser: Sendable {
    public let maxHeadBytes: Int
    public let maxHeaderCount: Int

    private var buffer: [UInt8] = []
    private var statusLineEnd: Int?
    private var scanPosition = 0
    private var fieldScanner = FieldSectionScanner(section: .header)
    private var fields: [FieldRange] = []

    public init(maxHeadBytes: Int = 64 * 1024, maxHeaderCount: Int = 128) {
        self.maxHeadBytes = maxHeadBytes
        self.maxHeaderCount = maxHeaderCount
    }

    /// Feeds the next bytes read. Returns the head once it is complete, with how many
    /// of `bytes` it took: the rest is the body's beginning. Nil: send more.
    public mutating func parse(_ bytes: UnsafeRawBufferPointer) throws(HTTPResponseError)
        -> (head: HTTPResponseHead, consumed: Int)?
    {
        let before = buffer.count
        // Looking one byte past the limit tells "too large" from "need more".
        let take = min(bytes.count, maxHeadBytes + 1 - before)
        buffer.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[0..<take]))
        var result: HTTPResponseHead?
        var end = 0
        try buffer.withUnsafeBufferPointer { (buffered: UnsafeBufferPointer<UInt8>) throws(HTTPResponseError) in
            guard let headEnd = try scan(buffered) else { return }
            end = headEnd
            result = try decode(buffered)
        }
        if let result {
            let consumed = end - before
            reset()
            return (result, consumed)
        }
        if buffer.count > maxHeadBytes {
            throw HTTPResponseError("the response head is larger than \(maxHeadBytes) bytes")
        }
        return nil
    }

    /// Ready for the next head (after a 100 Continue, or on a kept-alive connection).
    public mutating func reset() {
        buffer.removeAll(keepingCapacity: true)
        statusLineEnd = nil
        scanPosition = 0
        fieldScanner = FieldSectionScanner(section: .header)
        fields = []
    }

    /// The head's length once it is complete.
    private mutating func scan(_ bytes: UnsafeBufferPointer<UInt8>) throws(HTTPResponseError) -> Int? {
        let end = min(bytes.count, maxHeadBytes)
        if statusLineEnd == nil {
            var i = scanPosition
            while i < end, bytes[i] != HTTPGrammar.lf {
                if bytes[i] == HTTPGrammar.cr, i + 1 < end, bytes[i + 1] != HTTPGrammar.lf {
                    throw HTTPResponseError("bare CR in the status line")
                }
                i += 1
            }
            guard i < end else {
                scanPosition = i
                return nil
            }
            guard i > 0, bytes[i - 1] == HTTPGrammar.cr else {
                throw HTTPResponseError("bare LF in the status line: lines must end with CRLF")
            }
            statusLineEnd = i - 1
            scanPosition = i + 1
        }
        var i = scanPosition
        defer { scanPosition = i }
        while true {
            let outcome: FieldSectionScanner.Outcome
            do {
                outcome = try fieldScanner.scan(bytes, at: &i, end: end)
            } catch {
                throw HTTPResponseError("response head: " + error.message)
            }
            switch outcome {
            case .needMore:
                return nil
            case .field(let field):
                fields.append(field)
                if fields.count > maxHeaderCount {
                    throw HTTPResponseError("the response has more than \(maxHeaderCount) header fields")
                }
            case .end:
                return i
            }
        }
    }

    private func decode(_ bytes: UnsafeBufferPointer<UInt8>) throws(HTTPResponseError) -> HTTPResponseHead {
        let line = Array(bytes[0..<statusLineEnd!])
        let (version, status, reason) = try Self.statusLine(line)
        var headers: [HTTPHeaders.Element] = []
        headers.reserveCapacity(fields.count)
        for range in fields {
            let name = String(decoding: bytes[range.nameStart..<range.nameEnd], as: UTF8.self)
            var start = range.valueStart, stop = range.valueEnd
            while start < stop, HTTPGrammar.isWhitespace(bytes[start]) { start += 1 }
            while stop > start, HTTPGrammar.isWhitespace(bytes[stop - 1]) { stop -= 1 }
            headers.append((name: name, value: String(decoding: bytes[start..<stop], as: UTF8.self)))
        }
        return HTTPResponseHead(version: version, status: status, reason: reason, headers: HTTPHeaders(fields: headers))
    }

    /// `HTTP/1.1 200 OK`: version, one space, three digits, then a space and an optional
    /// reason. A missing space after the code is accepted (some servers omit an empty
    /// reason's space); nothing else is.
    static func statusLine(_ line: [UInt8]) throws(HTTPResponseError) -> (HTTPVersion, Int, String) {
        let shown = String(decoding: line.prefix(60).map { $0 < 0x20 || $0 == 0x7F ? 0x3F : $0 }, as: UTF8.self)
        guard line.count >= 12, line[8] == HTTPGrammar.space else {
            throw HTTPResponseError("the status line \"\(shown)\" is not \"HTTP/1.1 <code> <reason>\"")
        }
        let version: HTTPVersion
        switch String(decoding: line[0..<8], as: UTF8.self) {
        case "HTTP/1.1": version = .http1_1
        case "HTTP/1.0": version = .http1_0
        default: throw HTTPResponseError("the status line \"\(shown)\" is not HTTP/1.1 or HTTP/1.0")
        }
        var status = 0
        for byte in line[9..<12] {
            guard byte >= 0x30 && byte <= 0x39 else {
                throw HTTPResponseError("the status line \"\(shown)\" has no three-digit status code")
            }
            status = status * 10 + Int(byte - 0x30)
        }
        guard status >= 100 else { throw HTTPResponseError("the status code \(status) is below 100") }
        var reason = ""
        if line.count > 12 {
            guard line[12] == HTTPGrammar.space else {
                throw HTTPResponseError("the status line \"\(shown)\" has no space after the status code")
            }
            let reasonBytes = line[13...]
            guard reasonBytes.allSatisfy(HTTPGrammar.isFieldValue) else {
                throw HTTPResponseError("the reason phrase holds a control character")
            }
            reason = String(decoding: reasonBytes, as: UTF8.self)
        }
        return (version, status, reason)
    }
}
