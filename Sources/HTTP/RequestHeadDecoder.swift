/// Turns a scanned head into an `HTTPRequestHead` and decides how its body is framed,
/// refusing every ambiguity that lets two parsers see different messages in the same
/// bytes (request smuggling): both Content-Length and Transfer-Encoding, repeated
/// Content-Length, any transfer coding but a single "chunked", no Host, two Hosts, or a
/// Host whose value is not `uri-host [ ":" port ]`.
enum RequestHeadDecoder {
    /// What the framing-relevant fields said, gathered in one pass over the fields.
    private struct Facts {
        var contentLengths: [UnsafeBufferPointer<UInt8>] = []
        var transferEncodingLines = 0
        var transferEncodings: [UnsafeBufferPointer<UInt8>] = []
        var hostCount = 0
        /// The first Host value, checked once the count is known to be one.
        var host: UnsafeBufferPointer<UInt8>?
        var close = false
        var keepAlive = false
        var expectsContinue = false
    }

    /// Errors after the head was built carry it, so the server can log the path.
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, scanner: HeadScanner, limits: HTTPLimits)
        throws(HTTPRequestError) -> (head: HTTPRequestHead, framing: BodyFraming)
    {
        var facts = Facts()
        var fields: [HTTPHeaders.Element] = []
        fields.reserveCapacity(scanner.fields.count)
        for range in scanner.fields {
            let name = UnsafeBufferPointer(rebasing: bytes[range.nameStart..<range.nameEnd])
            let value = trimmed(UnsafeBufferPointer(rebasing: bytes[range.valueStart..<range.valueEnd]))
            note(name: name, value: value, in: &facts)
            fields.append((name: string(name), value: string(value)))
        }
        let version = scanner.version
        let targetBytes = UnsafeBufferPointer(rebasing: bytes[scanner.target])
        let target = string(targetBytes)
        let head = HTTPRequestHead(
            method: string(UnsafeBufferPointer(rebasing: bytes[scanner.method])),
            target: target,
            version: version,
            headers: HTTPHeaders(fields: fields),
            keepAlive: HTTPRequestHead.keepAlive(version: version, close: facts.close, keepAlive: facts.keepAlive),
            expectsContinue: version == .http1_1 && facts.expectsContinue,
            path: path(of: targetBytes, target: target))
        do throws(HTTPRequestError) {
            return (head, try framing(of: head, facts: facts, limits: limits))
        } catch {
            var error = error
            error.head = head
            throw error
        }
    }

    private static func note(name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>, in facts: inout Facts) {
        switch name.count {
        case 4 where ASCIICaseInsensitive.equals(name, "host"):
            facts.hostCount += 1
            if facts.host == nil { facts.host = value }
        case 6 where ASCIICaseInsensitive.equals(name, "expect"):
            if ASCIICaseInsensitive.equals(value, "100-continue") { facts.expectsContinue = true }
        case 10 where ASCIICaseInsensitive.equals(name, "connection"):
            for token in listElements(value) {
                if ASCIICaseInsensitive.equals(token, "close") { facts.close = true }
                if ASCIICaseInsensitive.equals(token, "keep-alive") { facts.keepAlive = true }
            }
        case 14 where ASCIICaseInsensitive.equals(name, "content-length"):
            facts.contentLengths.append(value)
        case 17 where ASCIICaseInsensitive.equals(name, "transfer-encoding"):
            facts.transferEncodingLines += 1
            facts.transferEncodings.append(contentsOf: listElements(value))
        default:
            break
        }
    }

    private static func framing(of head: HTTPRequestHead, facts: Facts, limits: HTTPLimits)
        throws(HTTPRequestError) -> BodyFraming
    {
        if head.version == .http1_1 && facts.hostCount == 0 {
            throw .badRequest("the HTTP/1.1 request has no Host header (RFC 9112 §3.2)", param: "host")
        }
        if facts.hostCount > 1 {
            throw .badRequest("the request has \(facts.hostCount) Host headers; send exactly one", param: "host")
        }
        // RFC 9112 §3.2: 400 for an invalid Host value too, on HTTP/1.0 as on HTTP/1.1.
        if let host = facts.host { try HostFieldValue.validate(host) }
        let hasTransferEncoding = facts.transferEncodingLines > 0
        if hasTransferEncoding && !facts.contentLengths.isEmpty {
            throw .badRequest(
                "the request has both Content-Length and Transfer-Encoding; send only one (RFC 9112 §6.3)",
                param: "transfer-encoding")
        }
        if hasTransferEncoding {
            guard head.version == .http1_1 else {
                throw .badRequest("Transfer-Encoding is not allowed on an HTTP/1.0 request; send Content-Length",
                                  param: "transfer-encoding")
            }
            let codings = facts.transferEncodings
            guard codings.count == 1, ASCIICaseInsensitive.equals(codings[0], "chunked") else {
                let sent = head.headers.values("Transfer-Encoding").joined(separator: ", ")
                throw .badRequest(
                    "Transfer-Encoding must be exactly \"chunked\", not \"\(sent.prefix(100))\"",
                    param: "transfer-encoding")
            }
            return .chunked
        }
        if let lengthText = facts.contentLengths.first {
            guard facts.contentLengths.count == 1 else {
                throw .badRequest("the request has \(facts.contentLengths.count) Content-Length headers; send exactly one",
                                  param: "content-length")
            }
            guard let length = decimal(lengthText) else {
                throw .badRequest(
                    "Content-Length \"\(string(lengthText).prefix(40))\" is not one non-negative decimal number",
                    param: "content-length")
            }
            if length > limits.maxBodyBytes {
                throw HTTPRequestError(
                    status: 413, message: "the body of \(length) bytes is larger than the limit of \(limits.maxBodyBytes) bytes",
                    param: "content-length")
            }
            return length == 0 ? .none : .length(length)
        }
        switch head.method {
        case "POST", "PUT", "PATCH":
            throw HTTPRequestError(
                status: 411, message: "a \(head.method) request needs Content-Length or Transfer-Encoding: chunked",
                param: "content-length")
        default:
            return .none
        }
    }

    /// The origin-form path straight from the bytes: the common case, without a second
    /// pass over a String.
    private static func path(of bytes: UnsafeBufferPointer<UInt8>, target: String) -> String {
        guard bytes.first == UInt8(ascii: "/") else { return HTTPRequestHead.path(of: target) }
        guard let query = bytes.firstIndex(of: UInt8(ascii: "?")) else { return target }
        return string(UnsafeBufferPointer(rebasing: bytes[..<query]))
    }

    /// 1*DIGIT that fits an Int; nil for anything else (empty, sign, list, overflow).
    private static func decimal(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard !bytes.isEmpty else { return nil }
        var value = 0
        for byte in bytes {
            guard byte >= 0x30 && byte <= 0x39 else { return nil }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int(byte - 0x30))
            if overflow1 || overflow2 { return nil }
            value = sum
        }
        return value
    }

    /// The non-empty elements of a comma-separated list, without their whitespace
    /// (RFC 9110 §5.6.1: empty elements are ignored).
    private static func listElements(_ bytes: UnsafeBufferPointer<UInt8>) -> [UnsafeBufferPointer<UInt8>] {
        var elements: [UnsafeBufferPointer<UInt8>] = []
        var start = 0
        for index in 0...bytes.count where index == bytes.count || bytes[index] == HTTPGrammar.comma {
            let element = trimmed(UnsafeBufferPointer(rebasing: bytes[start..<index]))
            if !element.isEmpty { elements.append(element) }
            start = index + 1
        }
        return elements
    }

    private static func trimmed(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        var lower = 0
        var upper = bytes.count
        while lower < upper, HTTPGrammar.isWhitespace(bytes[lower]) { lower += 1 }
        while upper > lower, HTTPGrammar.isWhitespace(bytes[upper - 1]) { upper -= 1 }
        return UnsafeBufferPointer(rebasing: bytes[lower..<upper])
    }

    private static func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self)
    }
}
