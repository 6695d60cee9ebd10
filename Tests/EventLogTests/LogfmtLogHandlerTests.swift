import Foundation
import Logging
import Testing
@testable import EventLog
import TestSupport

@Suite("LogfmtLogHandler")
struct LogfmtLogHandlerTests {
    let folder = TemporaryDirectory()

    func makeLogger(redactor: SecretRedactor? = nil, level: LogLevelSwitch = LogLevelSwitch(.info))
        throws -> (Logger, LogFile) {
        let file = try LogFile(path: folder.file("videohookd.log"))
        let logger = Logger(label: "test") { label in
            LogfmtLogHandler(label: label, file: file, redactor: redactor, level: level)
        }
        return (logger, file)
    }

    @Test("Each event becomes exactly one line with ts, level, event and the task id next")
    func oneLinePerEvent() throws {
        let (logger, _) = try makeLogger()
        logger.info("callback.accepted", metadata: [
            "status": "completed", "duplicate": "false", "peer": "203.0.113.5:41234",
            "ms": "1.8", "task_id": "task-unified-1764070000-ab12cd34",
        ])
        logger.warning("callback.unknown_status")

        let lines = try folder.lines(of: "videohookd.log")
        #expect(lines.count == 2)
        let pattern = #/^ts=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z level=info event=callback\.accepted (.*)$/#
        let match = try #require(lines[0].wholeMatch(of: pattern))
        #expect(match.1 == "task_id=task-unified-1764070000-ab12cd34 duplicate=false ms=1.8 "
            + "peer=203.0.113.5:41234 status=completed")
        #expect(lines[1].hasSuffix(" level=warning event=callback.unknown_status"))
    }

    @Test("A value with a newline and an escape character stays on one line, escaped")
    func controlCharactersAreEscaped() throws {
        let (logger, _) = try makeLogger()
        logger.info("callback.rejected", metadata: [
            "reason": "bad\nts=2026-01-01T00:00:00.000Z level=error event=forged \u{1b}[31mred\r\t",
        ])

        let contents = try folder.contents(of: "videohookd.log")
        let lines = try folder.lines(of: "videohookd.log")
        #expect(lines.count == 1)
        #expect(!contents.contains("\u{1b}"))
        #expect(!contents.contains("\r"))
        #expect(lines[0].hasSuffix(
            #"reason="bad\nts=2026-01-01T00:00:00.000Z level=error event=forged \u001b[31mred\r\t""#))
    }

    @Test("Values with spaces, equals signs or quotes are quoted; plain words are not")
    func quoting() throws {
        let (logger, _) = try makeLogger()
        logger.info("quoting", metadata: [
            "a_space": "two words", "b_equals": "k=v", "c_quote": #"say "hi""#,
            "d_plain": "word", "e_empty": "", "f_backslash": #"C:\path"#,
        ])
        let line = try #require(try folder.lines(of: "videohookd.log").first)
        #expect(line.hasSuffix(#"event=quoting a_space="two words" b_equals="k=v" c_quote="say \"hi\"" "#
            + #"d_plain=word e_empty="" f_backslash="C:\\path""#))
    }

    @Test("A registered secret never reaches the file, in the message, a value or a nested value")
    func secretsAreRedacted() throws {
        let token = "Zk3v9QpL2mX8rT4wYb6nHc1s"
        let redactor = SecretRedactor()
        redactor.registerSecret(token)
        let (logger, _) = try makeLogger(redactor: redactor)
        logger.info("request.\(token)", metadata: [
            "path": "/callbacks/\(token)",
            "usage": ["note": "echo \(token) back"],
            "list": ["\(token)", "other"],
        ])
        let contents = try folder.contents(of: "videohookd.log")
        #expect(!contents.contains(token))
        #expect(contents.contains("event=request.[redacted]"))
        #expect(contents.contains("path=/callbacks/[redacted]"))
        #expect(contents.contains(#"usage.note="echo [redacted] back""#))
        #expect(contents.contains("list=[redacted],other"))
    }

    @Test("Events below the level are dropped, and a new level reaches existing loggers")
    func levelFilter() throws {
        let level = LogLevelSwitch(.info)
        let (logger, _) = try makeLogger(level: level)
        logger.debug("dropped.debug")
        logger.trace("dropped.trace")
        logger.info("kept.info")
        level.level = .debug
        logger.debug("kept.debug")
        level.level = .error
        logger.warning("dropped.warning")
        logger.error("kept.error")

        let events = try folder.lines(of: "videohookd.log").map { $0.split(separator: " ")[2] }
        #expect(events == ["event=kept.info", "event=kept.debug", "event=kept.error"])
    }

    @Test("A logger's own level overrides the shared one")
    func ownLevelOverridesShared() throws {
        let (shared, _) = try makeLogger(level: LogLevelSwitch(.error))
        var chatty = shared
        chatty.logLevel = .debug
        chatty.debug("kept.debug")
        shared.info("dropped.info")
        #expect(try folder.lines(of: "videohookd.log").count == 1)
    }

    @Test("Logger metadata, provider metadata and an error all appear on the line")
    func metadataSources() throws {
        struct Boom: Error, CustomStringConvertible { var description: String { "disk on fire" } }
        let file = try LogFile(path: folder.file("videohookd.log"))
        let provider = Logger.MetadataProvider { ["request_id": "r-7"] }
        var logger = Logger(label: "test") { label in
            LogfmtLogHandler(label: label, file: file, metadataProvider: provider)
        }
        logger[metadataKey: "task_id"] = "task-1"
        logger.error("download.failed", error: Boom())
        let line = try #require(try folder.lines(of: "videohookd.log").first)
        #expect(line.hasSuffix(#"event=download.failed task_id=task-1 error="disk on fire" request_id=r-7"#))
    }

    @Test("Bytes that are not UTF-8 arrive repaired and quoted, never raw")
    func invalidUTF8() throws {
        let (logger, _) = try makeLogger()
        let hostile = String(decoding: [0x61, 0xFF, 0xFE, 0x0A, 0x62], as: UTF8.self)
        logger.info("body.rejected", metadata: ["snippet": "\(hostile)"])
        let data = try Data(contentsOf: URL(fileURLWithPath: folder.file("videohookd.log")))
        #expect(String(data: data, encoding: .utf8) != nil)
        #expect(!data.contains(0xFF))
        let lines = try folder.lines(of: "videohookd.log")
        #expect(lines.count == 1)
        #expect(lines[0].hasSuffix("snippet=\"a\u{FFFD}\u{FFFD}\\nb\""))
    }
}
