/// Why a whole-answer request (``HTTPSClient/send(method:url:headers:body:maxResponseBytes:canceller:deadline:)``) got no answer.
public struct HTTPSSendFailure: Error, Sendable, CustomStringConvertible {
    public var reason: String
    /// False when the failure came before the whole request had been written: the
    /// server cannot have acted on it, so even a `POST` may be sent again.
    public var requestMayHaveBeenSent: Bool
    /// Whether asking again may help: `permanent` for a URL the policy refuses for good
    /// or a body file that ended early; `temporary` for the network's failures.
    public var kind: HTTPClientFailure.Kind

    public init(reason: String, requestMayHaveBeenSent: Bool, kind: HTTPClientFailure.Kind = .temporary) {
        self.reason = reason
        self.requestMayHaveBeenSent = requestMayHaveBeenSent
        self.kind = kind
    }

    public var description: String { reason }
}
