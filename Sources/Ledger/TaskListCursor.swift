import Foundation
import VideoAPI

/// Where a page of the task list ended: the last task's `(first_seen, id)`. The next
/// page starts strictly after it in the list's order (newest first), so tasks that
/// arrive meanwhile, all newer, never shift it: nothing is shown twice or skipped.
///
/// Opaque to clients: base64url of `v1:<first_seen's bits in hex>:<id>`. The bits, not
/// a decimal rendering, so that the comparison in SQL sees exactly the stored double.
public struct TaskListCursor: Sendable, Hashable {
    public let firstSeen: Double
    public let id: String

    public init(firstSeen: Double, id: String) {
        self.firstSeen = firstSeen
        self.id = id
    }

    /// The cursor as a client passes it back.
    public var token: String {
        let text = "v1:" + String(firstSeen.bitPattern, radix: 16) + ":" + id
        return Data(text.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Nil for anything this type did not make (or a task id that is not a safe one).
    public init?(token: String) {
        guard !token.isEmpty, token.utf8.count <= 256,
              token.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        else { return nil }
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8) else { return nil }
        let parts = text.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "v1", let bits = UInt64(parts[1], radix: 16),
              case let seconds = Double(bitPattern: bits), seconds.isFinite,
              let id = TaskID(String(parts[2])) else { return nil }
        firstSeen = seconds
        self.id = id.rawValue
    }
}
