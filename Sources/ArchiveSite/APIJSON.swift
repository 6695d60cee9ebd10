import Foundation
import HTTP

/// The API's JSON: snake_case keys in a stable order, times as RFC 3339 UTC, and `<`,
/// `>`, `&` written as `\u003c`, `\u003e`, `\u0026` so that a value holding markup stays
/// inert even in a client that pastes the text into HTML.
enum APIJSON {
    static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(timestamp(date))
        }
        // Every value here is made of strings, numbers and Dates: encoding cannot fail.
        let data = try! encoder.encode(value)
        var out: [UInt8] = []
        out.reserveCapacity(data.count + 16)
        for byte in data {
            switch byte {
            case UInt8(ascii: "<"): out += Array(#"\u003c"#.utf8)
            case UInt8(ascii: ">"): out += Array(#"\u003e"#.utf8)
            case UInt8(ascii: "&"): out += Array(#"\u0026"#.utf8)
            default: out.append(byte)
            }
        }
        return out
    }

    static func response<T: Encodable>(_ value: T, status: Int = 200) -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.add("Content-Type", "application/json")
        return HTTPResponse(status: status, headers: headers, body: encode(value))
    }

    /// `2025-10-24T13:49:04.250Z`: milliseconds, UTC.
    static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: TimeZone(identifier: "UTC")!))
    }
}
