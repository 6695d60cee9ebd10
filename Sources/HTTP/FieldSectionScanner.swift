/// Where one field line's name and value lie in the buffer, relative to the request start.
/// The value range still holds its optional surrounding whitespace.
struct FieldRange: Sendable {
    var nameStart: Int
    var nameEnd: Int
    var valueStart: Int
    var valueEnd: Int
}

/// Scans a field section (the header lines of a head, or the trailer lines of a chunked
/// body) byte by byte, up to its empty line. It keeps its place between calls, so bytes
/// are looked at once however the section arrives, and it judges each byte the moment it
/// is seen: the same bytes give the same answer whatever the split.
struct FieldSectionScanner: Sendable {
    enum Section: String, Sendable {
        case header
        case trailer
    }

    enum Outcome {
        case needMore
        case field(FieldRange)
        case end
    }

    private enum Step: Sendable {
        case lineStart, name, value, lineFeed, endLineFeed
    }

    let section: Section
    private var step = Step.lineStart
    private(set) var lineStart = 0
    private var colon = 0
    private var valueEnd = 0

    init(section: Section) {
        self.section = section
    }

    /// True while a field line is partly scanned: its bytes from `lineStart` are needed.
    var isInsideLine: Bool { step == .name || step == .value || step == .lineFeed }

    mutating func shift(by offset: Int) {
        lineStart -= offset
        colon -= offset
        valueEnd -= offset
    }

    mutating func scan(_ bytes: UnsafeBufferPointer<UInt8>, at index: inout Int, end: Int)
        throws(HTTPRequestError) -> Outcome
    {
        var i = index
        defer { index = i }
        while i < end {
            switch step {
            case .lineStart:
                let byte = bytes[i]
                if byte == HTTPGrammar.cr {
                    step = .endLineFeed
                    i += 1
                } else if HTTPGrammar.isToken(byte) {
                    lineStart = i
                    step = .name
                    i += 1
                } else if HTTPGrammar.isWhitespace(byte) {
                    throw .badRequest(
                        "a \(section) line starts with whitespace (obsolete line folding, RFC 9112 §5.2); "
                            + "send each field on one line")
                } else if byte == HTTPGrammar.lf {
                    throw .bareLF(in: "\(section) section")
                } else {
                    throw .badRequest("invalid character \(HTTPGrammar.describe(byte)) at the start of a \(section) field name")
                }

            case .name:
                while i < end, HTTPGrammar.isToken(bytes[i]) { i += 1 }
                guard i < end else { return .needMore }
                let byte = bytes[i]
                if byte == HTTPGrammar.colon {
                    colon = i
                    step = .value
                    i += 1
                } else if HTTPGrammar.isWhitespace(byte) {
                    throw .badRequest(
                        "whitespace between the \(section) field name \"\(name(bytes, upTo: i))\" and its colon (RFC 9112 §5.1)",
                        param: name(bytes, upTo: i).lowercased())
                } else if byte == HTTPGrammar.cr || byte == HTTPGrammar.lf {
                    throw .badRequest("the \(section) line \"\(name(bytes, upTo: i))\" has no colon")
                } else {
                    throw .badRequest(
                        "invalid character \(HTTPGrammar.describe(byte)) in the \(section) field name \"\(name(bytes, upTo: i))\"")
                }

            case .value:
                i = HTTPGrammar.skipFieldValue(bytes, from: i, to: end)
                guard i < end else { return .needMore }
                let byte = bytes[i]
                if byte == HTTPGrammar.cr {
                    valueEnd = i
                    step = .lineFeed
                    i += 1
                } else if byte == HTTPGrammar.lf {
                    throw .bareLF(in: "\(section) section")
                } else {
                    let field = name(bytes, upTo: colon)
                    throw .badRequest(
                        "control character \(HTTPGrammar.describe(byte)) in the value of the \(section) field \"\(field)\"",
                        param: field.lowercased())
                }

            case .lineFeed:
                guard bytes[i] == HTTPGrammar.lf else { throw .bareCR(in: "\(section) section") }
                i += 1
                step = .lineStart
                return .field(FieldRange(nameStart: lineStart, nameEnd: colon,
                                         valueStart: colon + 1, valueEnd: valueEnd))

            case .endLineFeed:
                guard bytes[i] == HTTPGrammar.lf else { throw .bareCR(in: "\(section) section") }
                i += 1
                return .end
            }
        }
        return .needMore
    }

    /// The field name scanned so far, for messages: token bytes only, so safe to print.
    private func name(_ bytes: UnsafeBufferPointer<UInt8>, upTo end: Int) -> String {
        let upper = min(end, lineStart + 64)
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[lineStart..<upper]), as: UTF8.self)
    }
}
