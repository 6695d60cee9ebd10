import Foundation
import VideoAPI

/// How a stored body is shown: as the JSON it holds, or, when it is not JSON (a
/// rejected body), as text with the bytes that are not UTF-8 replaced.
enum StoredBody {
    static func json(_ body: Data) -> JSONValue {
        (try? JSONValue(parsing: body)) ?? .string(String(decoding: body, as: UTF8.self))
    }
}
