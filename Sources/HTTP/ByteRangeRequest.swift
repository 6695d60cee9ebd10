/// What a `Range` header (RFC 9110 §14.2) asks of a representation `length` bytes long,
/// as a server that sends one range or the whole answers it.
///
/// - `bytes=first-last`, `bytes=first-` and `bytes=-suffix` select one range, the last
///   position clamped to the end.
/// - A header that does not parse, names another unit, or asks for more than one range
///   is ignored (§14.2 lets a server ignore Range): the whole representation, 200.
/// - A well-formed single range that starts at or past the end, or a zero suffix, is
///   unsatisfiable: 416 with `Content-Range: bytes */length`.
public enum ByteRangeRequest: Sendable, Equatable {
    case whole
    /// `offset` and `count` of the one range sent, 206.
    case partial(offset: Int64, count: Int64)
    case unsatisfiable

    /// The longest header looked at; a longer one is ignored.
    public static let maxHeaderLength = 256

    public init(header: String?, length: Int64) {
        guard let header, header.utf8.count <= Self.maxHeaderLength else { self = .whole; return }
        let trimmed = header.trimmingWhitespace()
        guard let equals = trimmed.firstIndex(of: "="),
              ASCIICaseInsensitive.equals(trimmed[..<equals].trimmingWhitespace(), "bytes") else {
            self = .whole
            return
        }
        let set = trimmed[trimmed.index(after: equals)...]
        // One range only: several would need multipart/byteranges, which players never ask for.
        guard !set.contains(","), let dash = set.firstIndex(of: "-") else { self = .whole; return }
        let first = set[..<dash].trimmingWhitespace()
        let last = set[set.index(after: dash)...].trimmingWhitespace()
        if first.isEmpty {
            guard let suffix = Self.number(last) else { self = .whole; return }
            guard suffix > 0, length > 0 else { self = .unsatisfiable; return }
            let count = min(suffix, length)
            self = .partial(offset: length - count, count: count)
            return
        }
        guard let start = Self.number(first) else { self = .whole; return }
        var end = length - 1
        if !last.isEmpty {
            guard let stated = Self.number(last), stated >= start else { self = .whole; return }
            end = min(stated, length - 1)
        }
        guard start < length else { self = .unsatisfiable; return }
        self = .partial(offset: start, count: end - start + 1)
    }

    /// `1*DIGIT` that fits in an Int64; nil otherwise (a sign, a space, too many digits).
    private static func number(_ text: String) -> Int64? {
        guard !text.isEmpty, text.utf8.count <= 18, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
            return nil
        }
        return Int64(text)
    }
}
