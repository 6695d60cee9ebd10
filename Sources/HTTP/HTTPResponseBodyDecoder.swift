/// Turns the bytes after a response head into body bytes, as they arrive, without
/// holding them: each run of body bytes is handed over as a slice of the input.
/// Content-Length, chunked and read-until-close bodies; the end of the body is known
/// exactly, and a connection that ends before it is an error, never a short body.
public struct HTTPResponseBodyDecoder: Sendable {
    private enum Step: Sendable {
        case size, sizeWhitespace, chunkExtension, sizeLineFeed, data, dataCR, dataLF
        case trailerLineStart, trailerLine, trailerLineFeed, trailerEndLineFeed
        case complete
    }

    public let framing: HTTPResponseFraming
    /// Longest chunk-size line, and longest trailer section, in bytes.
    public let maxLineBytes: Int

    /// Body bytes handed over so far.
    public private(set) var bodyBytes: Int64 = 0
    private var step: Step
    private var remaining: Int64 = 0
    private var chunkSize: Int64 = 0
    private var sizeDigits = 0
    private var lineBytes = 0
    private var trailerBytes = 0

    public init(framing: HTTPResponseFraming, maxLineBytes: Int = 4096) {
        self.framing = framing
        self.maxLineBytes = maxLineBytes
        switch framing {
        case .none: step = .complete
        case .length(let length):
            remaining = length
            step = length == 0 ? .complete : .data
        case .chunked: step = .size
        case .untilClose: step = .data
        }
    }

    /// True once the whole body was handed over (never for a read-until-close body
    /// before ``finish()``).
    public var isComplete: Bool { step == .complete }

    /// Decodes `input`, calling `deliver` with each run of body bytes. Returns how many
    /// bytes of `input` belong to this response: fewer than all only once it is complete.
    public mutating func decode(_ input: UnsafeRawBufferPointer,
                                deliver: (UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        var i = 0
        let end = input.count
        while i < end {
            switch step {
            case .complete:
                return i
            case .data:
                let available = end - i
                let count: Int
                if case .untilClose = framing {
                    count = available
                } else {
                    count = Int(min(Int64(available), remaining))
                    remaining -= Int64(count)
                }
                try deliver(UnsafeRawBufferPointer(rebasing: input[i..<(i + count)]))
                bodyBytes += Int64(count)
                i += count
                if remaining == 0 {
                    if case .length = framing { step = .complete }
                    if case .chunked = framing { step = .dataCR }
                }
            case .size:
                let byte = input[i]
                if let digit = HTTPGrammar.hexValue(byte) {
                    guard sizeDigits < 15 else { throw HTTPResponseError("a chunk size has more than 15 hexadecimal digits") }
                    chunkSize = chunkSize * 16 + Int64(digit)
                    sizeDigits += 1
                } else {
                    guard sizeDigits > 0 else {
                        throw HTTPResponseError("a chunk starts with \(HTTPGrammar.describe(byte)), not a hexadecimal size")
                    }
                    if byte == HTTPGrammar.cr {
                        step = .sizeLineFeed
                    } else if byte == HTTPGrammar.semicolon {
                        step = .chunkExtension
                    } else if HTTPGrammar.isWhitespace(byte) {
                        step = .sizeWhitespace
                    } else {
                        throw HTTPResponseError("invalid character \(HTTPGrammar.describe(byte)) in a chunk size")
                    }
                }
                try countLineByte()
                i += 1
            case .sizeWhitespace:
                let byte = input[i]
                if byte == HTTPGrammar.semicolon {
                    step = .chunkExtension
                } else if byte == HTTPGrammar.cr {
                    step = .sizeLineFeed
                } else if !HTTPGrammar.isWhitespace(byte) {
                    throw HTTPResponseError("whitespace after a chunk size must lead to ';' or the line's end")
                }
                try countLineByte()
                i += 1
            case .chunkExtension:
                let byte = input[i]
                if byte == HTTPGrammar.cr {
                    step = .sizeLineFeed
                } else if !HTTPGrammar.isFieldValue(byte) {
                    throw HTTPResponseError("control character \(HTTPGrammar.describe(byte)) in a chunk extension")
                }
                try countLineByte()
                i += 1
            case .sizeLineFeed:
                guard input[i] == HTTPGrammar.lf else { throw HTTPResponseError("bare CR in a chunk-size line") }
                i += 1
                lineBytes = 0
                if chunkSize == 0 {
                    step = .trailerLineStart
                } else {
                    remaining = chunkSize
                    step = .data
                }
            case .dataCR:
                guard input[i] == HTTPGrammar.cr else {
                    throw HTTPResponseError("a chunk's data is not followed by CRLF: its size is wrong")
                }
                i += 1
                step = .dataLF
            case .dataLF:
                guard input[i] == HTTPGrammar.lf else { throw HTTPResponseError("bare CR after a chunk's data") }
                i += 1
                chunkSize = 0
                sizeDigits = 0
                step = .size
            case .trailerLineStart:
                // Trailer fields are read past and dropped: nothing in them is used.
                step = input[i] == HTTPGrammar.cr ? .trailerEndLineFeed : .trailerLine
                if step == .trailerLine, !HTTPGrammar.isToken(input[i]) {
                    throw HTTPResponseError("a trailer line starts with \(HTTPGrammar.describe(input[i])), not a field name")
                }
                try countTrailerByte()
                i += 1
            case .trailerLine:
                let byte = input[i]
                if byte == HTTPGrammar.cr {
                    step = .trailerLineFeed
                } else if !HTTPGrammar.isFieldValue(byte) {
                    throw HTTPResponseError("control character \(HTTPGrammar.describe(byte)) in a trailer field")
                }
                try countTrailerByte()
                i += 1
            case .trailerLineFeed:
                guard input[i] == HTTPGrammar.lf else { throw HTTPResponseError("bare CR in the trailer section") }
                step = .trailerLineStart
                i += 1
            case .trailerEndLineFeed:
                guard input[i] == HTTPGrammar.lf else { throw HTTPResponseError("bare CR in the trailer section") }
                step = .complete
                i += 1
            }
        }
        return i
    }

    /// The connection ended. Completes a read-until-close body; for any other body that
    /// is not complete yet, says how much was missing.
    public mutating func finish() throws(HTTPResponseError) {
        switch (step, framing) {
        case (.complete, _):
            return
        case (_, .untilClose):
            step = .complete
        case (_, .length(let length)):
            throw HTTPResponseError("the connection closed after \(bodyBytes) of \(length) body bytes")
        default:
            throw HTTPResponseError("the connection closed inside a chunked body, after \(bodyBytes) bytes")
        }
    }

    private mutating func countLineByte() throws(HTTPResponseError) {
        lineBytes += 1
        if lineBytes > maxLineBytes { throw HTTPResponseError("a chunk-size line is longer than \(maxLineBytes) bytes") }
    }

    private mutating func countTrailerByte() throws(HTTPResponseError) {
        trailerBytes += 1
        if trailerBytes > maxLineBytes { throw HTTPResponseError("the trailer section is longer than \(maxLineBytes) bytes") }
    }
}
