/// Comparisons of secrets that take the same time whatever the bytes, so that the time
/// of an answer tells nothing of how much of a guessed token was right.
enum ConstantTime {
    static func equals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        // The length is not secret (a token's length is in the docs); its bytes are.
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    static func equals(_ a: String, _ b: String) -> Bool {
        equals(Array(a.utf8), Array(b.utf8))
    }
}
