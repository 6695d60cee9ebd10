import Logging
import Testing
@testable import EventLog

@Suite("LogfmtEncoder")
struct LogfmtEncoderTests {
    func encode(_ metadata: Logger.Metadata, event: String = "e") -> String {
        LogfmtEncoder.line(timestamp: "T", level: .info, event: event, metadata: metadata, redactor: nil)
    }

    @Test("DEL, C1 controls and Unicode line separators are escaped as \\u00XX")
    func escapesEveryControlCharacter() {
        let line = encode(["v": "a\u{7F}b\u{9B}c\u{85}d\u{2028}e\u{2029}f\u{0}g"])
        #expect(line == #"ts=T level=info event=e v="a\u007fb\u009bc\u0085d\u2028e\u2029f\u0000g""#)
    }

    @Test("Every byte below 0x20 is escaped so the line never breaks")
    func allC0ControlsEscaped() {
        let all = String(String.UnicodeScalarView((0..<0x20).map { Unicode.Scalar(UInt8($0)) }))
        let line = encode(["v": .string(all)])
        #expect(!line.unicodeScalars.contains { $0.value < 0x20 })
        #expect(line.contains(#"\u0000\u0001"#) && line.contains(#"\t\n\u000b\u000c\r"#))
    }

    @Test("Plain ASCII and plain non-ASCII text stay bare; a space, quote, = or repaired byte quotes")
    func bareAndQuotedValues() {
        let line = encode(["a": "https://x.example/v.mp4", "b": "café", "c": "a b", "d": #"say "hi""#,
                           "e": "x\u{FFFD}", "f": "", "g": "k=v"])
        #expect(line == #"ts=T level=info event=e a=https://x.example/v.mp4 b=café c="a b" d="say \"hi\"" e="x"#
            + "\u{FFFD}" + #"" f="" g="k=v""#)
    }

    @Test("Metadata named like the line's own keys cannot forge them")
    func reservedKeysArePrefixed() {
        let line = encode(["level": "critical", "ts": "0", "event": "forged"])
        #expect(line == "ts=T level=info event=e _event=forged _level=critical _ts=0")
    }

    @Test("Keys with spaces or equals signs are made safe")
    func keysAreSanitized() {
        let line = encode(["a key=x\n": "v"])
        #expect(line == "ts=T level=info event=e a_key_x_=v")
    }

    @Test("An event name with a space is quoted like any value")
    func eventIsQuotedWhenNeeded() {
        #expect(encode([:], event: "two words") == #"ts=T level=info event="two words""#)
    }

    @Test("Nested metadata flattens into dotted keys in a stable order")
    func nestedMetadataFlattens() {
        let line = encode(["usage": ["credits": "5", "group": "default"], "task_id": "t", "a": "1"])
        #expect(line == "ts=T level=info event=e task_id=t a=1 usage.credits=5 usage.group=default")
    }
}
