import ObjectStore

/// Why the bucket cannot be used, as `serve` says it: the S3 error (whose advice names
/// the `s3.*` setting to fix) with a hint for failures that got no answer from S3 at
/// all, and whether it is a configuration only a restart fixes.
struct BucketProblem: Sendable, CustomStringConvertible {
    let error: S3Error
    /// `scheme://host[:port]`, for failures that got no answer to name it.
    let endpoint: String

    init(_ error: S3Error, endpoint: String) {
        self.error = error
        self.endpoint = endpoint
    }

    /// The codes whose fix is in a key SIGHUP does not apply (`s3.bucket`, `s3.endpoint`,
    /// `s3.region`), and certain: no retry or credential change can make them pass.
    static let configurationCodes: Set<String> = [
        "NoSuchBucket", "InvalidBucketName", "PermanentRedirect", "AuthorizationHeaderMalformed",
        "IllegalLocationConstraintException",
    ]

    /// `serve` refuses to start on these: waiting cannot help, and the fix needs a restart
    /// anyway. Everything else (credentials, permissions, the clock, a store that is down
    /// or not trusted) starts with `/readyz` failing, so that a fixed key and SIGHUP, or
    /// the store coming back, recover without a restart.
    var isConfiguration: Bool {
        if let code = error.code, Self.configurationCodes.contains(code) { return true }
        return error.status == 301 || error.status == 307
    }

    /// The same failure again: the same operation, answer and advice (a new request id
    /// or the service's wording does not make it news); without an answer, the same reason.
    func isSame(as other: BucketProblem) -> Bool {
        error.operation == other.error.operation && error.status == other.error.status && error.code == other.error.code
            && error.advice == other.error.advice && (error.status != nil || error.message == other.error.message)
    }

    /// One line for the operator: what failed and which setting to look at.
    var description: String {
        guard error.status == nil else { return error.description }
        // No answer from S3: the client's advice is generic; the transport's reason says more.
        let lowered = error.message.lowercased()
        let hint: String
        if lowered.contains("certificate") {
            hint = "The store's TLS certificate is not accepted: check s3.endpoint's host name, or trust the store's CA "
                + "with s3.ca_file"
        } else if lowered.contains("cannot connect") {
            hint = "Nothing accepts connections there: check s3.endpoint and that the store runs"
        } else if lowered.contains("not resolved") || lowered.contains("resolve") {
            hint = "The endpoint's name does not resolve: check s3.endpoint (and s3.path_style: virtual-hosted style "
                + "puts the bucket in the host name)"
        } else {
            hint = error.advice
        }
        let stop = error.message.hasSuffix(".") ? " " : ". "
        return "\(error.operation) at \(endpoint): \(error.message)\(stop)\(hint)"
    }
}
