import Testing
@testable import Settings

@Suite("Sizes, durations and name suggestions")
struct ValueParserTests {
    @Test("Sizes: bytes, binary and decimal units, any case, a space allowed")
    func sizes() {
        let cases: [(String, Int?)] = [
            ("1048576", 1_048_576), ("1MiB", 1 << 20), ("4 GiB", 4 << 30), ("4gib", 4 << 30),
            ("1KB", 1000), ("2mb", 2_000_000), ("1.5KiB", 1536), ("10B", 10), ("1TiB", 1 << 40),
            ("0", 0), ("", nil), ("MiB", nil), ("-1", nil), ("5M", nil), ("1 megabyte", nil),
            ("1.2.3KiB", nil), ("99999999999999TiB", nil), ("999999999999999999999", nil),
        ]
        for (text, bytes) in cases {
            #expect(ByteCountParser.parse(text) == bytes, "\(text)")
        }
        #expect(ByteCountParser.format(4 << 30) == "4GiB")
        #expect(ByteCountParser.format(1000) == "1000")
        #expect(ByteCountParser.format(0) == "0")
    }

    @Test("Durations: seconds as numbers, or ms, s, m, h")
    func durations() {
        let cases: [(String, Duration?)] = [
            ("10", .seconds(10)), ("0.5", .milliseconds(500)), ("500ms", .milliseconds(500)),
            ("10s", .seconds(10)), ("2m", .seconds(120)), ("1h", .seconds(3600)), (" 3 S ", .seconds(3)),
            ("", nil), ("s", nil), ("10 minutes", nil), ("-5s", nil), ("1d", nil), ("1e3", nil),
            ("9999999h", nil),
        ]
        for (text, duration) in cases {
            #expect(DurationParser.parse(text) == duration, "\(text)")
        }
        #expect(DurationParser.format(.seconds(60)) == "1m")
        #expect(DurationParser.format(.milliseconds(1500)) == "1500ms")
    }

    @Test("A suggestion is offered only for a near miss")
    func suggestions() {
        let names = ["download.concurrency", "log_level", "listen"]
        #expect(NameSuggester.closest(to: "download.concurency", among: names) == "download.concurrency")
        #expect(NameSuggester.closest(to: "lissten", among: names) == "listen")
        #expect(NameSuggester.closest(to: "colour", among: names) == nil)
    }
}
