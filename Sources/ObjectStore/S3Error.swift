/// Why an object store operation failed, in a form both a program and an operator can
/// act on: the HTTP status and S3's error code when the service answered, its message,
/// what to do about it in one sentence, and whether another try may succeed. Its text
/// never holds the secret key or the session token.
public struct S3Error: Error, Sendable, CustomStringConvertible {
    /// What the caller does next.
    public enum Disposition: Sendable, Equatable {
        /// A passing trouble (5xx, `SlowDown`, a timeout, a reset): try again soon.
        case transient
        /// The settings or the bucket are wrong (credentials, permissions, a missing
        /// bucket, the clock): nothing changes until the operator acts, but a retry with a
        /// long backoff notices when they have.
        case needsOperator
        /// This request can never succeed as it is (a gone upload, a bad part list, a
        /// key too long): do something else.
        case failed
    }

    /// The operation, such as `PutObject`.
    public var operation: String
    /// nil when no answer came.
    public var status: Int?
    /// S3's `<Code>` (`SignatureDoesNotMatch`, `NoSuchBucket`, ...); for an answer without
    /// a body (a HEAD), one made from the status (`NotFound`, `Forbidden`).
    public var code: String?
    /// S3's `<Message>`, or why no answer came.
    public var message: String
    /// The sentence for the operator: what is wrong and what to do.
    public var advice: String
    public var disposition: Disposition
    /// `x-amz-request-id`, for AWS support.
    public var requestID: String?

    public init(operation: String, status: Int?, code: String?, message: String, advice: String,
                disposition: Disposition, requestID: String? = nil) {
        self.operation = operation
        self.status = status
        self.code = code
        self.message = message
        self.advice = advice
        self.disposition = disposition
        self.requestID = requestID
    }

    /// Worth another try: everything but ``Disposition/failed`` (an operator's fix is
    /// noticed only by trying again).
    public var isRetryable: Bool { disposition != .failed }

    public var description: String {
        var text = operation
        if let status { text += ": HTTP \(status)" }
        if let code { text += " \(code)" }
        text += ": \(message)"
        // S3's messages often end in a full stop already ("Check your key and signing method.").
        if !advice.isEmpty { text += (message.hasSuffix(".") ? " " : ". ") + advice }
        if let requestID { text += " (request id \(requestID))" }
        return text
    }

    /// A request refused before it was sent (a bad key, an expiry out of range).
    static func invalidRequest(_ message: String, operation: String = "request") -> S3Error {
        S3Error(operation: operation, status: nil, code: nil, message: message,
                advice: "This is a bug in the caller or a setting out of range; sending it again will not help",
                disposition: .failed)
    }
}
