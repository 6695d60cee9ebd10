/// A multipart upload begun and not yet completed or aborted, as ListMultipartUploads
/// lists it: what the start-up sweep aborts when the ledger does not know it.
public struct S3MultipartUpload: Sendable, Equatable {
    public var key: String
    public var uploadID: String
    /// As the service wrote it (ISO 8601, `2026-12-07T01:02:03.000Z`).
    public var initiated: String

    public init(key: String, uploadID: String, initiated: String) {
        self.key = key
        self.uploadID = uploadID
        self.initiated = initiated
    }
}
