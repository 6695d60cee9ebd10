/// A response's status line and header fields.
public struct HTTPResponseHead: Sendable, Equatable {
    public var version: HTTPVersion
    public var status: Int
    public var reason: String
    public var headers: HTTPHeaders

    public init(version: HTTPVersion = .http1_1, status: Int, reason: String = "", headers: HTTPHeaders = HTTPHeaders()) {
        self.version = version
        self.status = status
        self.reason = reason
        self.headers = headers
    }

    /// 1xx other than 101: a final response follows on the same connection.
    public var isInterim: Bool { status >= 100 && status < 200 && status != 101 }

    /// How the body that follows this head ends (RFC 9112 §6.3), refusing what two
    /// readers could frame differently: both Transfer-Encoding and Content-Length,
    /// Content-Lengths that disagree, a transfer coding other than a lone `chunked`.
    public func framing(requestMethod: String) throws(HTTPResponseError) -> HTTPResponseFraming {
        if requestMethod == "HEAD" || isInterim || status == 204 || status == 304 { return .none }
        let transferEncodings = headers.values("Transfer-Encoding")
        let contentLengths = headers.values("Content-Length")
        if !transferEncodings.isEmpty {
            guard contentLengths.isEmpty else {
                throw HTTPResponseError("the response has both Transfer-Encoding and Content-Length; it could be read two ways")
            }
            guard version == .http1_1 else {
                throw HTTPResponseError("an \(version) response has Transfer-Encoding, which that version does not have")
            }
            let codings = transferEncodings.flatMap { $0.split(separator: ",") }
                .map { $0.trimmingASCIIWhitespace() }
            guard codings.count == 1, ASCIICaseInsensitive.equals(String(codings[0]), "chunked") else {
                throw HTTPResponseError("the response uses Transfer-Encoding \"\(transferEncodings.joined(separator: ", ").prefix(80))\"; only \"chunked\" is read")
            }
            return .chunked
        }
        if let first = contentLengths.first {
            // A list (`5, 5`) or repeated field is fine when every value agrees (RFC 9110 §8.6).
            let values = contentLengths.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }
                .map { $0.trimmingASCIIWhitespace() }
            guard let length = Self.decimal(values[0]), values.allSatisfy({ Self.decimal($0) == length }) else {
                throw HTTPResponseError("Content-Length \"\(first.prefix(60))\" is not one non-negative decimal number")
            }
            return .length(length)
        }
        return .untilClose
    }

    /// Digits only, no sign, at most 18 of them (no overflow).
    static func decimal(_ text: Substring) -> Int64? {
        guard !text.isEmpty, text.utf8.count <= 18, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int64(text)
    }
}

extension Substring {
    func trimmingASCIIWhitespace() -> Substring {
        var result = self
        while let first = result.first, first == " " || first == "\t" { result.removeFirst() }
        while let last = result.last, last == " " || last == "\t" { result.removeLast() }
        return result
    }
}
