/// Case-insensitive comparison of ASCII names (header names, tokens) without building
/// lowercased copies.
enum ASCIICaseInsensitive {
    static func equals(_ a: String, _ b: String) -> Bool {
        var a = a, b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in equals(x, y) }
        }
    }

    /// `bytes` equal to `lowercaseLiteral`, ignoring ASCII case of `bytes`.
    static func equals(_ bytes: UnsafeBufferPointer<UInt8>, _ other: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.count == other.count else { return false }
        for index in 0..<bytes.count
        where HTTPGrammar.lowercased(bytes[index]) != HTTPGrammar.lowercased(other[index]) {
            return false
        }
        return true
    }

    static func equals(_ bytes: UnsafeBufferPointer<UInt8>, _ name: StaticString) -> Bool {
        let other = UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount)
        return equals(bytes, other)
    }
}
