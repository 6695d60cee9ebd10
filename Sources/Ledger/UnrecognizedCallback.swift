import Foundation

/// A JSON body that is not a task the daemon understands, with why.
public struct UnrecognizedCallback: Sendable {
    /// The body as received; the ledger keeps at most `LedgerLimits.maxUnrecognizedBodyBytes`.
    public var body: Data
    public var reason: String
    public var peer: String
    public var receivedAt: Date

    public init(body: Data, reason: String, peer: String, receivedAt: Date = Date()) {
        self.body = body
        self.reason = reason
        self.peer = peer
        self.receivedAt = receivedAt
    }
}
