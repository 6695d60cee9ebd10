@testable import HTTP
import Testing

@Suite("HTTPGrammar")
struct HTTPGrammarTests {
    /// The eight-bytes-at-a-time skips must stop exactly where the byte-by-byte
    /// predicates would, for every byte value at every position of a word.
    @Test("the word-at-a-time skips stop where the byte predicates do")
    func skipsMatchPredicates() {
        for bad in 0...255 {
            for position in 0..<20 {
                for fill: UInt8 in [0x61, 0xC3, 0x7E, 0x21] {
                    var bytes = [UInt8](repeating: fill, count: 20)
                    bytes[position] = UInt8(bad)
                    bytes.withUnsafeBufferPointer { buffer in
                        let value = HTTPGrammar.skipFieldValue(buffer, from: 0, to: buffer.count)
                        let expectedValue = bytes.firstIndex { !HTTPGrammar.isFieldValue($0) } ?? bytes.count
                        #expect(value == expectedValue, "field value: byte \(bad) at \(position) in \(fill)")
                        let target = HTTPGrammar.skipTarget(buffer, from: 0, to: buffer.count)
                        let expectedTarget = bytes.firstIndex { !HTTPGrammar.isTarget($0) } ?? bytes.count
                        #expect(target == expectedTarget, "target: byte \(bad) at \(position) in \(fill)")
                    }
                }
            }
        }
    }

    @Test("token bytes are exactly RFC 9110's tchar")
    func tokenBytes() {
        let tchar = Set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)
        for byte in 0...255 {
            #expect(HTTPGrammar.isToken(UInt8(byte)) == tchar.contains(UInt8(byte)), "byte \(byte)")
        }
    }
}
