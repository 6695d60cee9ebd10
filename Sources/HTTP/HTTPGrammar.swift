/// The byte classes of RFC 9110 / RFC 9112 that the parser checks, as branch-light
/// predicates: they run once per byte of every request head.
enum HTTPGrammar {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09
    static let colon: UInt8 = 0x3A
    static let semicolon: UInt8 = 0x3B
    static let comma: UInt8 = 0x2C
    static let equals: UInt8 = 0x3D
    static let quote: UInt8 = 0x22
    static let backslash: UInt8 = 0x5C
    static let percent: UInt8 = 0x25
    static let openBracket: UInt8 = 0x5B
    static let closeBracket: UInt8 = 0x5D

    // tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" /
    //         "`" / "|" / "~" / DIGIT / ALPHA, as bit masks over bytes 0-63 and 64-127.
    private static let tokenMaskLow: UInt64 = 0x03ff_6cfa_0000_0000
    private static let tokenMaskHigh: UInt64 = 0x57ff_ffff_c7ff_fffe

    @inline(__always)
    static func isToken(_ byte: UInt8) -> Bool {
        if byte < 64 { return (tokenMaskLow >> UInt64(byte)) & 1 == 1 }
        if byte < 128 { return (tokenMaskHigh >> UInt64(byte &- 64)) & 1 == 1 }
        return false
    }

    /// field-value bytes: HTAB, SP, VCHAR and obs-text. Excludes NUL, CR, LF, the other
    /// controls and DEL.
    @inline(__always)
    static func isFieldValue(_ byte: UInt8) -> Bool {
        byte == tab || (byte >= 0x20 && byte != 0x7F)
    }

    /// Request-target bytes: visible ASCII. No whitespace, controls or raw non-ASCII.
    @inline(__always)
    static func isTarget(_ byte: UInt8) -> Bool {
        byte > 0x20 && byte < 0x7F
    }

    /// The index of the first byte in `start..<end` that is not a field-value byte, or
    /// `end`. Eight bytes at a time while none of them is a control byte or DEL: header
    /// values are most of a request head.
    @inline(__always)
    static func skipFieldValue(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int {
        var i = start
        if let base = bytes.baseAddress {
            while end - i >= 8 {
                let word = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                if hasByteBelow0x20(word) || hasByte0x7F(word) { break }
                i += 8
            }
        }
        while i < end, isFieldValue(bytes[i]) { i += 1 }
        return i
    }

    /// The index of the first byte in `start..<end` that is not a request-target byte,
    /// or `end`; eight bytes at a time while all are visible ASCII.
    @inline(__always)
    static func skipTarget(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int {
        var i = start
        if let base = bytes.baseAddress {
            while end - i >= 8 {
                let word = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                if hasByteBelow0x21(word) || hasByte0x7F(word) || word & highBits != 0 { break }
                i += 8
            }
        }
        while i < end, isTarget(bytes[i]) { i += 1 }
        return i
    }

    // Classic SWAR tests ("Bit Twiddling Hacks": hasless, haszero), exact for bytes
    // below 0x80; words with a high bit set are sent to the byte loop by the callers
    // or, for field values, cannot produce a false "no" (obs-text is allowed there).
    private static let lowBits: UInt64 = 0x0101_0101_0101_0101
    private static let highBits: UInt64 = 0x8080_8080_8080_8080

    @inline(__always)
    private static func hasByteBelow0x20(_ word: UInt64) -> Bool {
        (word &- lowBits &* 0x20) & ~word & highBits != 0
    }

    @inline(__always)
    private static func hasByteBelow0x21(_ word: UInt64) -> Bool {
        (word &- lowBits &* 0x21) & ~word & highBits != 0
    }

    @inline(__always)
    private static func hasByte0x7F(_ word: UInt64) -> Bool {
        let x = word ^ (lowBits &* 0x7F)
        return (x &- lowBits) & ~x & highBits != 0
    }

    @inline(__always)
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == space || byte == tab
    }

    @inline(__always)
    static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case 0x30...0x39: return Int(byte &- 0x30)
        case 0x41...0x46: return Int(byte &- 0x41 &+ 10)
        case 0x61...0x66: return Int(byte &- 0x61 &+ 10)
        default: return nil
        }
    }

    @inline(__always)
    static func lowercased(_ byte: UInt8) -> UInt8 {
        byte &- 0x41 < 26 ? byte | 0x20 : byte
    }

    /// How a byte is named in an error message: printable as itself, else as hex.
    static func describe(_ byte: UInt8) -> String {
        if byte > 0x20 && byte < 0x7F { return "'\(Character(UnicodeScalar(byte)))'" }
        let hex = String(byte, radix: 16, uppercase: true)
        return "0x" + (hex.count == 1 ? "0" + hex : hex)
    }
}
