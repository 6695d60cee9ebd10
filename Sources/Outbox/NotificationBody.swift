import Foundation

/// The body of a notification, as DESIGN.md gives it and as every attempt sends it:
/// `{"type": "video.archived", "timestamp": "<RFC 3339 UTC>", "data": {...}}`.
///
/// Built once, when the event is committed, and stored with it: a retry and a replay
/// send the same bytes, so a receiver that checks the signature or dedups on the body
/// sees the same event each time. The task object is spliced in as the API sent it
/// (kept raw in the ledger), not decoded and written again.
public enum NotificationBody {
    /// A value of `data`; keys keep the order given.
    public indirect enum Value: Sendable, Equatable {
        case string(String)
        case integer(Int64)
        case null
        /// Bytes that are already JSON (the task object as received). Bytes that do not
        /// parse are sent as a string instead, so the body always parses.
        case raw([UInt8])
        /// Bytes known to be JSON (parsed before the ledger kept them): spliced without the
        /// check `raw` makes, which on a completed callback's commit cost as much as the rest
        /// of the body.
        case json([UInt8])
        case object([(String, Value)])

        public static func == (lhs: Value, rhs: Value) -> Bool {
            switch (lhs, rhs) {
            case (.string(let a), .string(let b)): a == b
            case (.integer(let a), .integer(let b)): a == b
            case (.null, .null): true
            case (.raw(let a), .raw(let b)): a == b
            case (.json(let a), .json(let b)): a == b
            case (.object(let a), .object(let b)): a.map(\.0) == b.map(\.0) && a.map(\.1) == b.map(\.1)
            default: false
            }
        }
    }

    /// The whole body, compact, keys in the contract's order.
    public static func encode(type: NotificationEventType, timestamp: Date, data: [(String, Value)]) -> [UInt8] {
        var out: [UInt8] = []
        write(.object([
            ("type", .string(type.name)),
            ("timestamp", .string(rfc3339(timestamp))),
            ("data", .object(data)),
        ]), to: &out)
        return out
    }

    /// `2026-12-04T21:30:00.123Z`: UTC, milliseconds, as Standard Webhooks' examples.
    /// Built from `gmtime_r` rather than `ISO8601FormatStyle`, which took about as long as
    /// the rest of the body on every commit that emits an event.
    public static func rfc3339(_ date: Date) -> String {
        // To the microsecond first, so 0.999 (stored as 0.99899999...) is the 999th
        // millisecond it was meant as, then cut to the millisecond.
        let microseconds = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        let milliseconds = microseconds >= 0 ? microseconds / 1000 : (microseconds - 999) / 1000
        var seconds = time_t(milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000)
        let fraction = Int(milliseconds - Int64(seconds) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func padded(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return padded(Int(parts.tm_year) + 1900, 4) + "-" + padded(Int(parts.tm_mon) + 1, 2) + "-"
            + padded(Int(parts.tm_mday), 2) + "T" + padded(Int(parts.tm_hour), 2) + ":" + padded(Int(parts.tm_min), 2)
            + ":" + padded(Int(parts.tm_sec), 2) + "." + padded(fraction, 3) + "Z"
    }

    private static func write(_ value: Value, to out: inout [UInt8]) {
        switch value {
        case .string(let text):
            out.append(contentsOf: quoted(text))
        case .integer(let number):
            out.append(contentsOf: String(number).utf8)
        case .null:
            out.append(contentsOf: "null".utf8)
        case .json(let bytes):
            out.append(contentsOf: bytes)
        case .raw(let bytes):
            if (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil {
                out.append(contentsOf: bytes)
            } else {
                out.append(contentsOf: quoted(String(decoding: bytes, as: UTF8.self)))
            }
        case .object(let fields):
            out.append(UInt8(ascii: "{"))
            for (index, (key, field)) in fields.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: quoted(key))
                out.append(UInt8(ascii: ":"))
                write(field, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// A JSON string literal by Foundation's encoder: nothing hand-written to escape.
    /// Most values (keys, types, ids, times, URLs) are printable ASCII with nothing to
    /// escape; those are quoted as they are, since a trip through `JSONSerialization` for
    /// each of them was the largest part of building a body on the intake's commit.
    private static func quoted(_ text: String) -> [UInt8] {
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) {
            var out: [UInt8] = [UInt8(ascii: "\"")]
            out.append(contentsOf: text.utf8)
            out.append(UInt8(ascii: "\""))
            return out
        }
        let data = (try? JSONSerialization.data(withJSONObject: text, options: [.fragmentsAllowed, .withoutEscapingSlashes]))
            ?? Data("\"\"".utf8)
        return Array(data)
    }
}
