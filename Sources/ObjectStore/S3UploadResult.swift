/// What PutObject and CompleteMultipartUpload say of the object they made.
public struct S3UploadResult: Sendable, Equatable {
    /// Quotes included; a multipart object's is `"<md5 of the parts' md5s>-<parts>"`.
    public var etag: String
    public var versionID: String?
    /// The whole object's SHA-256 in base64, when the service computed one and said so
    /// (CopyObject with `x-amz-checksum-algorithm: SHA256`).
    public var checksumSHA256: String?

    public init(etag: String, versionID: String?, checksumSHA256: String? = nil) {
        self.etag = etag
        self.versionID = versionID
        self.checksumSHA256 = checksumSHA256
    }
}
