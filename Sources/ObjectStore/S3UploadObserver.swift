/// What the code that writes to the bucket reports, so that `serve` can count it
/// (`videohookd_upload_bytes_total`, `videohookd_upload_failures_total`) and let
/// `/readyz` fail while the bucket refuses writes. Closures, so that a caller's tests
/// pass their own and no module below `serve` needs the metrics or the readiness.
public struct S3UploadObserver: Sendable {
    /// The store acknowledged `bytes` (a part, a PutObject, a sidecar): a write worked.
    public var uploaded: @Sendable (_ bytes: Int64) -> Void
    /// A write failed: each failed request once, whatever happens next (a retry).
    public var failed: @Sendable (_ error: S3Error) -> Void

    public init(uploaded: @escaping @Sendable (Int64) -> Void, failed: @escaping @Sendable (S3Error) -> Void) {
        self.uploaded = uploaded
        self.failed = failed
    }

    /// Reports to no one.
    public static let none = S3UploadObserver(uploaded: { _ in }, failed: { _ in })
}
