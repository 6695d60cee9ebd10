import Foundation
import Outbox
import Testing

@Suite("NotificationBody: the bytes every attempt sends")
struct NotificationBodyTests {
    /// The hand-built timestamp must say what Foundation's formatter says, to the
    /// millisecond, for dates before and after the epoch and on every kind of boundary.
    @Test("rfc3339 agrees with ISO8601FormatStyle (UTC, milliseconds)", arguments: [
        0.0, 0.001, 0.999, 59.9995, 86_399.999, 951_782_400.5, // 2000-02-29T00:00:00.500Z
        1_765_000_000.123, 1_765_065_599.999, 4_102_444_800.0, 253_402_300_799.999,
        -0.001, -1.5, -86_400.25,
    ])
    func timestampMatchesFoundation(seconds: Double) {
        let date = Date(timeIntervalSince1970: seconds)
        // Both cut to the millisecond meant (the microsecond nearest, then cut). Foundation
        // cuts the binary double, so 1765000000.123 (stored as ...0.12299999) would print
        // .122: it is handed that millisecond plus 0.4 ms, safely inside it.
        let millisecond = ((seconds * 1_000_000).rounded() / 1000).rounded(.down)
        let truncated = Date(timeIntervalSince1970: millisecond / 1000 + 0.0004)
        let expected = truncated.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt))
        #expect(NotificationBody.rfc3339(date) == expected)
    }

    @Test("a json value is spliced as given; a raw value that does not parse becomes a string")
    func splicing() throws {
        let task = Array(#"{"id":"task-1","status":"completed"}"#.utf8)
        let body = NotificationBody.encode(type: .taskCompleted, timestamp: Date(timeIntervalSince1970: 0), data: [
            ("task", .json(task)), ("broken", .raw(Array("{not json".utf8))),
        ])
        let text = String(decoding: body, as: UTF8.self)
        #expect(text == #"{"type":"task.completed","timestamp":"1970-01-01T00:00:00.000Z","data":{"task":{"id":"task-1","status":"completed"},"broken":"{not json"}}"#)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
        let data = try #require(parsed["data"] as? [String: Any])
        #expect((data["task"] as? [String: Any])?["status"] as? String == "completed")
    }

    /// The plain-ASCII fast path and Foundation's encoder must both give a string that
    /// parses back to the same text.
    @Test("strings round-trip, with and without characters to escape", arguments: [
        "plain", "https://cdn.test/v.mp4?x=1", "", "quote \" inside", "back\\slash", "tab\tnew\nline",
        "caf\u{E9}", "\u{2028}", "\u{1}control", "~!@#$%^&*()_+{}|:<>?",
    ])
    func strings(text: String) throws {
        let body = NotificationBody.encode(type: .downloadFailed, timestamp: Date(timeIntervalSince1970: 0),
                                           data: [("reason", .string(text))])
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
        #expect((parsed["data"] as? [String: Any])?["reason"] as? String == text)
    }
}
