import Foundation

/// A kept body the daemon did not take as a task: unrecognized (answered 2xx) or
/// rejected (answered 400 or 413, `statusCode` set).
public struct StoredBodyRecord: Sendable, Equatable {
    public var id: Int64
    public var receivedAt: Date
    public var peer: String
    public var reason: String
    /// 400 or 413 for a rejected body; nil for an unrecognized one.
    public var statusCode: Int?
    /// The request path with the token replaced; nil for an unrecognized body.
    public var path: String?
    /// The body as kept: at most the limit's prefix.
    public var body: Data
    /// The body's length as received (or as declared, for a 413).
    public var bodyLength: Int

    /// Whether the body was cut to the limit.
    public var isTruncated: Bool { body.count < bodyLength }

    init(row: SQLRow) throws {
        id = row["id"]
        receivedAt = try row.date("received_at")
        peer = try row.text("peer")
        reason = try row.text("reason")
        statusCode = row["status_code"]
        path = row["path"]
        body = row["body"] ?? Data()
        bodyLength = row["body_length"]
    }
}
