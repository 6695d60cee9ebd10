/// SHA-256 part-way through a message: the eight chaining words after the last whole
/// 64-byte block, the number of bytes hashed, and the bytes after that block (fewer than
/// 64) that are hashed but not yet compressed. A digest restored from it
/// (``SHA256Digest/init(resumingFrom:)``) goes on as if it had hashed those bytes itself.
///
/// What the object archive records with each uploaded part: once a part's bytes are
/// released from the disk, a resume cannot read them again to re-hash the whole file,
/// so it continues from the state at the last part's end instead. The state reveals no
/// more of the message than the digest itself would, except the tail's few bytes.
public struct SHA256Midstate: Sendable, Equatable, CustomStringConvertible {
    /// The chaining words h0...h7.
    public let words: [UInt32]
    /// Bytes hashed so far (SHA-256 counts bits; at most 2^61 bytes).
    public let byteCount: Int64
    /// The last `byteCount % 64` bytes hashed.
    public let tail: [UInt8]

    /// Nil unless there are eight words and the tail is exactly the bytes after the last
    /// whole block.
    public init?(words: [UInt32], byteCount: Int64, tail: [UInt8]) {
        guard words.count == 8, byteCount >= 0, byteCount < 1 << 61, tail.count == Int(byteCount % 64) else {
            return nil
        }
        self.words = words
        self.byteCount = byteCount
        self.tail = tail
    }

    /// The smallest and largest ``encoded`` forms: without a tail, and with 63 bytes of it.
    public static let encodedSizes = 40...103

    /// The words and the byte count big-endian (32 + 8 bytes), then the tail: what the
    /// ledger keeps. Every field is checked on the way back (``init(encoded:)``).
    public var encoded: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(40 + tail.count)
        for word in words {
            for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: word >> UInt32(shift))) }
        }
        let count = UInt64(byteCount)
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: count >> UInt64(shift))) }
        bytes.append(contentsOf: tail)
        return bytes
    }

    /// Nil for anything ``encoded`` cannot have made: a wrong length, or a tail that is
    /// not the byte count's remainder.
    public init?(encoded bytes: [UInt8]) {
        guard Self.encodedSizes.contains(bytes.count) else { return nil }
        var words: [UInt32] = []
        for index in 0..<8 {
            words.append(bytes[index * 4..<index * 4 + 4].reduce(0) { $0 << 8 | UInt32($1) })
        }
        let count = bytes[32..<40].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard count < 1 << 61 else { return nil }
        self.init(words: words, byteCount: Int64(count), tail: Array(bytes[40...]))
    }

    public var description: String { "SHA-256 state after \(byteCount) bytes" }
}
