/// How one attempt at one target went, before the schedule decides what follows.
public struct DeliveryResult: Sendable, Equatable {
    public var delivered: Bool
    /// What went wrong, for the ledger, the log and `events show`; nil when delivered.
    public var error: String?
    public var httpStatus: Int?
    public var exitCode: Int?
    /// A command's output, cut.
    public var output: String?
    /// Seconds the receiver asked to wait (429, 503).
    public var retryAfter: Double?

    public init(delivered: Bool, error: String? = nil, httpStatus: Int? = nil, exitCode: Int? = nil,
                output: String? = nil, retryAfter: Double? = nil) {
        self.delivered = delivered
        self.error = error
        self.httpStatus = httpStatus
        self.exitCode = exitCode
        self.output = output
        self.retryAfter = retryAfter
    }
}
