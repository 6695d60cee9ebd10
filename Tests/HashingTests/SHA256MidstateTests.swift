import Testing
import Hashing

/// The state a resumed upload continues the whole file's digest from: hashing in two
/// halves across an export and an import (through the ledger's encoding) must give the
/// one-shot digest, wherever the cut falls in a 64-byte block.
@Suite("SHA-256 midstate")
struct SHA256MidstateTests {
    /// Bytes that are not a repeating pattern, so a misplaced byte changes the digest.
    static func message(_ count: Int) -> [UInt8] {
        var state: UInt32 = 0x9E37_79B9
        return (0..<count).map { _ in
            state ^= state << 13
            state ^= state >> 17
            state ^= state << 5
            return UInt8(truncatingIfNeeded: state)
        }
    }

    /// Past a 5 MiB part and into the next, made once for every cut.
    static let long = message((5 << 20) + 5000)

    static func oneShot(_ bytes: [UInt8]) -> String {
        let digest = SHA256Digest()
        digest.update(bytes)
        return digest.finishHex()
    }

    @Test("cut at a block boundary or inside a block, exported, encoded, decoded and resumed in a new digest: the one-shot digest",
          arguments: [0, 1, 63, 64, 65, 127, 128, 1000, 4096, 5 << 20, (5 << 20) + 37])
    func resumeAcrossTheCut(_ cut: Int) throws {
        let message = Self.long
        let first = SHA256Digest()
        first.update(Array(message[..<cut]))
        let state = first.midstate()
        #expect(state.byteCount == Int64(cut))
        #expect(state.tail == Array(message[(cut - cut % 64)..<cut]), "the tail is the bytes after the last whole block")
        let decoded = try #require(SHA256Midstate(encoded: state.encoded))
        #expect(decoded == state)
        #expect(state.encoded.count == 40 + cut % 64)

        let second = SHA256Digest(resumingFrom: decoded)
        #expect(second.byteCount == Int64(cut))
        second.update(Array(message[cut...]))
        #expect(second.finishHex() == Self.oneShot(message))
        // Taking the state changes nothing for the digest it came from.
        first.update(Array(message[cut...]))
        #expect(first.finishHex() == Self.oneShot(message))
    }

    @Test("a state restored into a used digest replaces what it had hashed; its own state reads back the same")
    func restoreReplaces() {
        let message = Self.message(300)
        let source = SHA256Digest()
        source.update(Array(message[..<130]))
        let state = source.midstate()
        let used = SHA256Digest()
        used.update(Self.message(77))
        used.restore(state)
        #expect(used.midstate() == state)
        used.update(Array(message[130...]))
        #expect(used.finishHex() == Self.oneShot(message))
    }

    @Test("the empty state is the initial one: resuming it hashes like a new digest")
    func emptyState() throws {
        let state = SHA256Digest().midstate()
        #expect(state.byteCount == 0 && state.tail.isEmpty)
        #expect(state.words.first == 0x6a09_e667, "SHA-256's first initial word")
        let resumed = SHA256Digest(resumingFrom: try #require(SHA256Midstate(encoded: state.encoded)))
        resumed.update(Array("abc".utf8))
        #expect(resumed.finishHex() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test("encodings that no state makes are refused: wrong lengths, a tail that is not the count's remainder")
    func malformedEncodings() {
        let state = { () -> SHA256Midstate in
            let digest = SHA256Digest()
            digest.update(Self.message(70))
            return digest.midstate()
        }()
        var encoded = state.encoded
        #expect(encoded.count == 46)
        #expect(SHA256Midstate(encoded: Array(encoded.dropLast())) == nil, "one tail byte missing")
        #expect(SHA256Midstate(encoded: encoded + [0]) == nil, "one tail byte too many")
        #expect(SHA256Midstate(encoded: Array(encoded.prefix(39))) == nil, "shorter than the words and the count")
        #expect(SHA256Midstate(encoded: [UInt8](repeating: 0, count: 104)) == nil, "longer than any state")
        encoded[39] = 134   // 134 bytes leave 6 in the tail, as 70 do: well formed
        #expect(SHA256Midstate(encoded: encoded)?.byteCount == 134)
        encoded[39] = 71    // 71 bytes would leave 7
        #expect(SHA256Midstate(encoded: encoded) == nil)
        #expect(SHA256Midstate(words: [1, 2, 3], byteCount: 0, tail: []) == nil, "three words")
        #expect(SHA256Midstate(words: state.words, byteCount: -64, tail: []) == nil, "a negative count")
    }
}
