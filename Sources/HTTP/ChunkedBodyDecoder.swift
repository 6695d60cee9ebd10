/// Decodes a chunked body (RFC 9112 §7.1) byte by byte as it arrives: chunk extensions
/// are checked against the grammar of RFC 9112 §7.1.1 (`ChunkExtensionScanner`) and
/// ignored, trailer fields are checked against the header limits and dropped. Keeps its place between calls; each byte is judged once, the moment it is
/// seen, so the result does not depend on how the bytes were split.
///
/// Positions are relative to the request's first byte. Bytes before `retainedFrom` are
/// no longer needed, which lets the parser drop decoded framing while a long body is
/// still arriving.
struct ChunkedBodyDecoder: Sendable {
    private enum Step: Sendable {
        case size, chunkExtension, sizeLineFeed, data, dataCR, dataLF, trailers
    }

    private var step = Step.size
    private(set) var position: Int
    private var lineStart: Int
    private var sizeDigits = 0
    private var chunkSize = 0
    private var remaining = 0
    private var trailerStart = 0
    private var trailerCount = 0
    private var trailerScanner = FieldSectionScanner(section: .trailer)
    private var extensions = ChunkExtensionScanner()
    /// The body decoded so far.
    private(set) var body: [UInt8] = []

    init(start: Int) {
        position = start
        lineStart = start
    }

    var retainedFrom: Int {
        step == .trailers && trailerScanner.isInsideLine ? trailerScanner.lineStart : position
    }

    mutating func shift(by offset: Int) {
        position -= offset
        lineStart -= offset
        trailerStart -= offset
        trailerScanner.shift(by: offset)
    }

    /// Hands the decoded body over; the decoder is spent afterwards.
    mutating func takeBody() -> [UInt8] {
        defer { body = [] }
        return body
    }

    /// Decodes what `bytes` (the buffered bytes from the request's start) adds. True when
    /// the last chunk and the trailer section are complete; `position` is then the end of
    /// the request.
    mutating func decode(_ bytes: UnsafeBufferPointer<UInt8>, limits: HTTPLimits) throws(HTTPRequestError) -> Bool {
        var i = position
        defer { position = i }
        let end = bytes.count
        while i < end {
            switch step {
            case .size:
                let byte = bytes[i]
                if let digit = HTTPGrammar.hexValue(byte) {
                    try checkLineLength(at: i, limits: limits)
                    guard chunkSize <= (Int.max - digit) / 16 else {
                        throw .badRequest("a chunk size overflows", param: "transfer-encoding")
                    }
                    chunkSize = chunkSize * 16 + digit
                    sizeDigits += 1
                    if body.count + chunkSize > limits.maxBodyBytes { throw tooLarge(limits) }
                    i += 1
                    continue
                }
                guard sizeDigits > 0 else {
                    throw .badRequest("a chunk starts with \(HTTPGrammar.describe(byte)), not a hexadecimal size",
                                      param: "transfer-encoding")
                }
                if byte == HTTPGrammar.cr {
                    step = .sizeLineFeed
                    i += 1
                } else if byte == HTTPGrammar.semicolon || HTTPGrammar.isWhitespace(byte) {
                    // The rest of the line, up to its CR, is chunk extensions.
                    extensions = ChunkExtensionScanner()
                    step = .chunkExtension
                } else if byte == HTTPGrammar.lf {
                    throw .bareLF(in: "chunked body")
                } else {
                    throw .badRequest("invalid character \(HTTPGrammar.describe(byte)) in a chunk size",
                                      param: "transfer-encoding")
                }

            case .chunkExtension:
                // The scanner looks no further than the line's limit, so a byte past it
                // is refused for the length before its grammar is judged, as in the size.
                let limit = max(i, lineStart + limits.maxChunkLineBytes)
                i = try extensions.scan(bytes, from: i, to: min(end, limit))
                guard i < end else { break }
                guard bytes[i] == HTTPGrammar.cr else { throw lineTooLong(limits) }
                try extensions.finish()
                step = .sizeLineFeed
                i += 1

            case .sizeLineFeed:
                guard bytes[i] == HTTPGrammar.lf else { throw .bareCR(in: "chunked body") }
                i += 1
                if chunkSize == 0 {
                    trailerStart = i
                    step = .trailers
                } else {
                    remaining = chunkSize
                    step = .data
                }

            case .data:
                let count = min(remaining, end - i)
                body.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[i..<(i + count)]))
                i += count
                remaining -= count
                if remaining == 0 { step = .dataCR }

            case .dataCR:
                guard bytes[i] == HTTPGrammar.cr else {
                    throw .badRequest("a chunk's data is not followed by CRLF; its size is wrong",
                                      param: "transfer-encoding")
                }
                i += 1
                step = .dataLF

            case .dataLF:
                guard bytes[i] == HTTPGrammar.lf else { throw .bareCR(in: "chunked body") }
                i += 1
                lineStart = i
                sizeDigits = 0
                chunkSize = 0
                step = .size

            case .trailers:
                let limit = trailerStart + limits.maxHeaderBytes
                switch try trailerScanner.scan(bytes, at: &i, end: min(end, limit)) {
                case .needMore:
                    if end > limit {
                        throw HTTPRequestError(
                            status: 431, message: "the trailer section is larger than \(limits.maxHeaderBytes) bytes")
                    }
                    return false
                case .field:
                    trailerCount += 1
                    if trailerCount > limits.maxHeaderCount {
                        throw HTTPRequestError(
                            status: 431, message: "the request has more than \(limits.maxHeaderCount) trailer fields")
                    }
                case .end:
                    return true
                }
            }
        }
        return false
    }

    private func checkLineLength(at index: Int, limits: HTTPLimits) throws(HTTPRequestError) {
        if index - lineStart >= limits.maxChunkLineBytes { throw lineTooLong(limits) }
    }

    private func lineTooLong(_ limits: HTTPLimits) -> HTTPRequestError {
        .badRequest("a chunk-size line is longer than \(limits.maxChunkLineBytes) bytes", param: "transfer-encoding")
    }

    private func tooLarge(_ limits: HTTPLimits) -> HTTPRequestError {
        HTTPRequestError(
            status: 413, message: "the chunked body is larger than the limit of \(limits.maxBodyBytes) bytes",
            param: "transfer-encoding")
    }
}
