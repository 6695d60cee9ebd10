/// A `Content-Range` value of a 206 or 416 response (RFC 9110 §14.4):
/// `bytes 100-199/1000`, `bytes 100-199/*`, or `bytes */1000`.
public struct HTTPContentRange: Sendable, Equatable {
    /// First and last byte positions, inclusive; nil for `bytes */N`.
    public var first: Int64?
    public var last: Int64?
    /// The whole representation's length; nil for `/*`.
    public var completeLength: Int64?

    public init(first: Int64?, last: Int64?, completeLength: Int64?) {
        self.first = first
        self.last = last
        self.completeLength = completeLength
    }

    /// Nil when the value is not a byte range this reader understands exactly.
    public init?(parsing value: String) {
        let text = Substring(value).trimmingASCIIWhitespace()
        guard text.count > 6, text.prefix(6).lowercased() == "bytes " else { return nil }
        let spec = text.dropFirst(6)
        guard let slash = spec.firstIndex(of: "/") else { return nil }
        let range = spec[..<slash]
        let total = spec[spec.index(after: slash)...]
        if total == "*" {
            completeLength = nil
        } else {
            guard let length = HTTPResponseHead.decimal(total) else { return nil }
            completeLength = length
        }
        if range == "*" {
            guard completeLength != nil else { return nil }
            first = nil
            last = nil
            return
        }
        guard let dash = range.firstIndex(of: "-"),
              let first = HTTPResponseHead.decimal(range[..<dash]),
              let last = HTTPResponseHead.decimal(range[range.index(after: dash)...]),
              first <= last else { return nil }
        if let completeLength, last >= completeLength { return nil }
        self.first = first
        self.last = last
    }
}
