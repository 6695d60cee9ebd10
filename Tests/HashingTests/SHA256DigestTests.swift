import Hashing
import Testing
import Hashing

@Suite("SHA-256")
struct SHA256DigestTests {
    @Test("the FIPS 180-2 test vectors", arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func vectors(_ input: String, _ expected: String) {
        let digest = SHA256Digest()
        digest.update(Array(input.utf8))
        #expect(digest.finishHex() == expected)
    }

    @Test("a million 'a's fed in uneven pieces, and the digest starts over after finishing")
    func piecesAndReset() {
        let digest = SHA256Digest()
        var fed = 0
        var size = 1
        while fed < 1_000_000 {
            let count = min(size, 1_000_000 - fed)
            digest.update([UInt8](repeating: 0x61, count: count))
            fed += count
            size = size * 3 % 9973 + 1
        }
        #expect(digest.finishHex() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        digest.update(Array("abc".utf8))
        #expect(digest.finishHex() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
