import APIClient
import Foundation

/// What one pass of the reconciler did.
public struct ReconcilePass: Sendable, Equatable {
    /// One per task asked about or given up on, in the order handled.
    public var findings: [ReconcileFinding] = []
    /// The API asked everyone to wait (429, 503) or refused the key: no question until then.
    public var pausedUntil: Date?
    /// Why the pass stopped before its last task, when it did.
    public var stoppedEarly: String?
    /// A ledger failure that ended the pass.
    public var ledgerProblem: String?

    public init() {}

    public func count(_ outcome: ReconcileFinding.Outcome) -> Int {
        findings.filter { $0.outcome == outcome }.count
    }
}
