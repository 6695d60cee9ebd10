/// An event's id: `evt_` and 26 characters of Crockford base32 over 128 random bits.
/// Made once, when the event is committed; every attempt and every replay sends the
/// same one as `webhook-id`, which is how a receiver drops a retry it already handled.
public enum NotificationEventID {
    private static let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz".utf8)

    public static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        var high = generator.next() as UInt64
        var low = generator.next() as UInt64
        var characters: [UInt8] = []
        characters.reserveCapacity(26)
        // 26 × 5 = 130 bits: the top two are zero.
        for _ in 0..<26 {
            characters.append(alphabet[Int(low & 31)])
            low = (low >> 5) | ((high & 31) << 59)
            high >>= 5
        }
        return "evt_" + String(decoding: characters.reversed(), as: UTF8.self)
    }

    /// True for a text that has the shape of an id: a guard for commands that take one.
    public static func isWellFormed(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.count == 30 && text.hasPrefix("evt_") && bytes.dropFirst(4).allSatisfy(alphabet.contains)
    }
}
