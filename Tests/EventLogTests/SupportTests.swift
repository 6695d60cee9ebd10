import Testing
@testable import EventLog

@Suite("StderrMirrorPolicy, LogTimestamp and SecretRedactor")
struct SupportTests {
    @Test("Mirror to stderr on a terminal or under systemd, not into a pipe")
    func mirrorPolicy() {
        #expect(StderrMirrorPolicy.shouldMirror(environment: [:], stderrIsTerminal: true))
        #expect(!StderrMirrorPolicy.shouldMirror(environment: [:], stderrIsTerminal: false))
        #expect(StderrMirrorPolicy.shouldMirror(environment: ["JOURNAL_STREAM": "8:1234"],
                                                stderrIsTerminal: false))
        #expect(StderrMirrorPolicy.shouldMirror(environment: ["INVOCATION_ID": "b1e2"],
                                                stderrIsTerminal: false))
        #expect(!StderrMirrorPolicy.shouldMirror(environment: ["INVOCATION_ID": ""],
                                                 stderrIsTerminal: false))
    }

    @Test("Timestamps are UTC with milliseconds")
    func timestampFormat() {
        #expect(LogTimestamp.format(seconds: 1_795_606_802, nanoseconds: 123_456_789)
            == "2026-11-25T11:40:02.123Z")
        #expect(LogTimestamp.format(seconds: 0, nanoseconds: 5_000_000) == "1970-01-01T00:00:00.005Z")
        #expect(LogTimestamp.format(seconds: -1, nanoseconds: 999_999_999) == "1969-12-31T23:59:59.999Z")
        // Before year 0 (a clock gone wrong): the line is still written.
        #expect(LogTimestamp.format(seconds: -62_200_000_000, nanoseconds: 0).hasPrefix("0000-"))
    }

    @Test("A combining mark after a secret does not hide it from the redactor")
    func redactorMatchesBytes() {
        let redactor = SecretRedactor()
        redactor.registerSecret("s3cretT0ken")
        #expect(redactor.redact("x s3cretT0ken\u{301} y") == "x [redacted]\u{301} y")
        #expect(redactor.redact("s3cretT0kens3cretT0ken") == "[redacted][redacted]")
    }

    @Test("The redactor finds a secret at either end, after a false start, and leaves other text alone")
    func redactorSearchEdges() {
        let redactor = SecretRedactor()
        redactor.registerSecret("tok3n")
        #expect(redactor.redact("/callbacks/tok3n") == "/callbacks/[redacted]")
        #expect(redactor.redact("tottok3n") == "tot[redacted]")
        #expect(redactor.redact("tok3") == "tok3")
        #expect(redactor.redact("") == "")
        #expect(redactor.redact("tok4n tok3m") == "tok4n tok3m")
    }

    @Test("The longer of two overlapping secrets is replaced whole; unregistering stops redaction")
    func redactorOverlapAndUnregister() {
        let redactor = SecretRedactor()
        redactor.registerSecret("abc")
        redactor.registerSecret("abcdef")
        redactor.registerSecret("")
        #expect(redactor.redact("abcdef abc") == "[redacted] [redacted]")
        redactor.unregisterSecret("abcdef")
        #expect(redactor.redact("abcdef") == "[redacted]def")
    }
}
