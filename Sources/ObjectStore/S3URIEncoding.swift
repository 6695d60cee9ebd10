/// Percent-encoding as S3's Signature Version 4 wants it, byte by byte over UTF-8: the
/// unreserved `A-Z a-z 0-9 - . _ ~` stay, every other byte becomes `%XX` in upper-case
/// hex. An object key keeps its `/`; a query name or value does not. S3, unlike the
/// other services, encodes a path once, so the path sent is the path signed.
public enum S3URIEncoding {
    public static func encodePath(_ text: String) -> String {
        encode(text, keepingSlash: true)
    }

    public static func encodeQueryComponent(_ text: String) -> String {
        encode(text, keepingSlash: false)
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    static func encode(_ text: String, keepingSlash: Bool) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if isUnreserved(byte) || (keepingSlash && byte == UInt8(ascii: "/")) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0xF)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
             UInt8(ascii: "~"):
            true
        default:
            false
        }
    }
}
