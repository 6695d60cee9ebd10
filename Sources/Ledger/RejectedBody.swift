import Foundation

/// A body answered 400 or 413, with why.
public struct RejectedBody: Sendable {
    public var statusCode: Int
    public var reason: String
    /// The request path with the callback token already replaced by `<token>`.
    public var path: String
    /// What was read of the body; the ledger keeps at most `LedgerLimits.maxRejectedBodyBytes`.
    public var body: Data
    /// The body's full length when known beyond what was read (a 413's Content-Length).
    public var declaredLength: Int?
    public var peer: String
    public var receivedAt: Date

    /// - Parameter path: the request path. The segment after `/callbacks/` is replaced
    ///   by `<token>` here, so a token never reaches the ledger whoever calls this.
    public init(statusCode: Int, reason: String, path: String, body: Data,
                declaredLength: Int? = nil, peer: String, receivedAt: Date = Date()) {
        self.statusCode = statusCode
        self.reason = reason
        self.path = Self.redactingToken(in: path)
        self.body = body
        self.declaredLength = declaredLength
        self.peer = peer
        self.receivedAt = receivedAt
    }

    /// `/callbacks/s3cr3t?x=1` becomes `/callbacks/<token>?x=1`; other paths are kept.
    public static func redactingToken(in path: String) -> String {
        let marker = "/callbacks/"
        guard let range = path.range(of: marker) else { return path }
        let rest = path[range.upperBound...]
        let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        return String(path[..<range.upperBound]) + "<token>" + String(rest[end...])
    }
}
