/// A command's output (stdout and stderr as they came), kept up to a limit of bytes; what
/// comes past the limit is read, dropped and counted, so a chatty command never blocks on
/// a full pipe and never grows the daemon.
struct CommandOutputBuffer {
    let limit: Int
    private var kept: [UInt8] = []
    private var dropped = 0

    init(limit: Int) {
        self.limit = max(0, limit)
        kept.reserveCapacity(min(self.limit, 64 << 10))
    }

    mutating func append(_ bytes: ArraySlice<UInt8>) {
        let room = max(0, limit - kept.count)
        kept.append(contentsOf: bytes.prefix(room))
        dropped += max(0, bytes.count - room)
    }

    /// The kept bytes as text, with "… (N more bytes)" when the output was cut. A cut
    /// never splits a character: the bytes of one it would split count as cut. Bytes that
    /// are not UTF-8 become U+FFFD; control characters stay as they are (whoever logs the
    /// output escapes it).
    var text: String {
        guard dropped > 0 else { return String(decoding: kept, as: UTF8.self) }
        let end = Self.endOfLastWholeCharacter(kept)
        return String(decoding: kept[0..<end], as: UTF8.self) + "… (\(dropped + kept.count - end) more bytes)"
    }

    /// Where `bytes` end once a UTF-8 sequence cut short at the end is left off.
    static func endOfLastWholeCharacter(_ bytes: [UInt8]) -> Int {
        var start = bytes.count
        while start > 0 && bytes.count - start < 3 && bytes[start - 1] & 0xC0 == 0x80 { start -= 1 }
        guard start > 0 else { return bytes.count }
        let lead = bytes[start - 1]
        let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
        // An ASCII byte (or stray continuation bytes after one) has nothing to complete.
        guard lead >= 0xC0 else { return bytes.count }
        return bytes.count - (start - 1) < length ? start - 1 : bytes.count
    }
}
