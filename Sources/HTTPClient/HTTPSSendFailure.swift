/// Why a whole-answer request (``HTTPSClient/send(method:url:headers:body:maxResponseBytes:canceller:deadline:)``) got no answer.
public struct HTTPSSendFailure: Error, Sendable, CustomStringConvertible {
    public var reason: String
    /// False when the failure came before the whole request had been written: the
    /// server cannot have acted on it, so even a `POST` may be sent again.
    public var requestMayHaveBeenSent: Bool

    public init(reason: String, requestMayHaveBeenSent: Bool) {
        self.reason = reason
        self.requestMayHaveBeenSent = requestMayHaveBeenSent
    }

    public var description: String { reason }
}
