/// Scans a request head (request line, header lines, empty line) byte by byte and keeps
/// its place between calls, so each byte is judged once however the head arrives. Every
/// check, the limits included, depends only on the bytes up to the one being looked at:
/// the same bytes split anywhere give the same result.
///
/// Positions are relative to the first byte of the request, so the parser may compact
/// its buffer under a scanner without disturbing it.
struct HeadScanner: Sendable {
    private enum Step: Sendable {
        case requestStart, leadingLineFeed, method, target, version, requestLineFeed, fields
    }

    private var step = Step.requestStart
    /// The next byte to look at; once the head is complete, its length.
    private(set) var position = 0
    private(set) var method = 0..<0
    private(set) var target = 0..<0
    private(set) var version = HTTPVersion.http1_1
    private var versionStart = 0
    private var fieldScanner = FieldSectionScanner(section: .header)
    private(set) var fields: [FieldRange] = []

    /// No byte of a request line seen yet (empty lines before it are allowed).
    var isBeforeRequestLine: Bool { step == .requestStart }

    /// Scans what `bytes` (the buffered bytes from the request's start) adds. True when
    /// the head is complete; `position` is then the head's length.
    mutating func scan(_ bytes: UnsafeBufferPointer<UInt8>, limits: HTTPLimits) throws(HTTPRequestError) -> Bool {
        // A head may not reach past this index; looking no further bounds the work and
        // tells 431 from "need more" the moment the byte over the limit arrives.
        let end = min(bytes.count, limits.maxHeaderBytes)
        var i = position
        defer { position = i }
        scanning: while i < end {
            switch step {
            case .requestStart:
                let byte = bytes[i]
                if byte == HTTPGrammar.cr {
                    // RFC 9112 §2.2: empty lines before the request line are ignored.
                    step = .leadingLineFeed
                    i += 1
                } else if byte == HTTPGrammar.lf {
                    throw .bareLF(in: "request line")
                } else if HTTPGrammar.isToken(byte) {
                    method = i..<i
                    step = .method
                } else {
                    throw .badRequest("the request line starts with \(HTTPGrammar.describe(byte)), not a method")
                }

            case .leadingLineFeed:
                guard bytes[i] == HTTPGrammar.lf else { throw .bareCR(in: "request line") }
                i += 1
                step = .requestStart

            case .method:
                while i < end, HTTPGrammar.isToken(bytes[i]) { i += 1 }
                guard i < end else { break scanning }
                let byte = bytes[i]
                guard byte == HTTPGrammar.space else {
                    if byte == HTTPGrammar.cr || byte == HTTPGrammar.lf {
                        throw .badRequest("the request line has only a method; expected \"METHOD target HTTP/1.1\"")
                    }
                    throw .badRequest("invalid character \(HTTPGrammar.describe(byte)) in the method")
                }
                method = method.lowerBound..<i
                i += 1
                target = i..<i
                step = .target

            case .target:
                let longest = target.lowerBound + limits.maxURIBytes
                i = HTTPGrammar.skipTarget(bytes, from: i, to: min(end, longest))
                guard i < end else { break scanning }
                let byte = bytes[i]
                guard byte == HTTPGrammar.space else {
                    if HTTPGrammar.isTarget(byte) {
                        // Only stopped by the limit: the target goes on past it.
                        throw HTTPRequestError(
                            status: 414,
                            message: "the request target is longer than \(limits.maxURIBytes) bytes")
                    }
                    if byte == HTTPGrammar.cr || byte == HTTPGrammar.lf {
                        throw .badRequest("the request line has no HTTP version; expected \"METHOD target HTTP/1.1\"")
                    }
                    throw .badRequest("invalid character \(HTTPGrammar.describe(byte)) in the request target")
                }
                guard i > target.lowerBound else {
                    throw .badRequest("the request line has an empty target or more than one space after the method")
                }
                target = target.lowerBound..<i
                i += 1
                versionStart = i
                step = .version

            case .version:
                while i < end {
                    let byte = bytes[i]
                    if byte == HTTPGrammar.cr { break }
                    if byte == HTTPGrammar.lf { throw .bareLF(in: "request line") }
                    if i - versionStart >= 8 || !HTTPGrammar.isTarget(byte) {
                        throw .badRequest("the request line does not end with \"HTTP/1.1\" or \"HTTP/1.0\" after one space")
                    }
                    i += 1
                }
                guard i < end else { break scanning }
                version = try Self.version(UnsafeBufferPointer(rebasing: bytes[versionStart..<i]))
                i += 1
                step = .requestLineFeed

            case .requestLineFeed:
                guard bytes[i] == HTTPGrammar.lf else { throw .bareCR(in: "request line") }
                i += 1
                step = .fields

            case .fields:
                switch try fieldScanner.scan(bytes, at: &i, end: end) {
                case .needMore:
                    break scanning
                case .field(let field):
                    if fields.isEmpty { fields.reserveCapacity(16) }
                    fields.append(field)
                    if fields.count > limits.maxHeaderCount {
                        throw HTTPRequestError(
                            status: 431, message: "the request has more than \(limits.maxHeaderCount) header fields")
                    }
                case .end:
                    return true
                }
            }
        }
        if bytes.count > limits.maxHeaderBytes {
            throw HTTPRequestError(
                status: 431, message: "the request head is larger than \(limits.maxHeaderBytes) bytes")
        }
        return false
    }

    private static func version(_ bytes: UnsafeBufferPointer<UInt8>) throws(HTTPRequestError) -> HTTPVersion {
        let text = String(decoding: bytes, as: UTF8.self)
        switch text {
        case "HTTP/1.1": return .http1_1
        case "HTTP/1.0": return .http1_0
        default:
            let isDigit: (UInt8) -> Bool = { $0 >= 0x30 && $0 <= 0x39 }
            if bytes.count == 8, text.hasPrefix("HTTP/"), isDigit(bytes[5]), bytes[6] == 0x2E, isDigit(bytes[7]) {
                throw HTTPRequestError(
                    status: 505, message: "\(text) is not supported; send HTTP/1.1 (or HTTP/1.0)")
            }
            throw .badRequest("the request line ends with \"\(text)\", not \"HTTP/1.1\" or \"HTTP/1.0\"")
        }
    }
}
