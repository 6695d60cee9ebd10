/// What PutObject and CompleteMultipartUpload say of the object they made.
public struct S3UploadResult: Sendable, Equatable {
    /// Quotes included; a multipart object's is `"<md5 of the parts' md5s>-<parts>"`.
    public var etag: String
    public var versionID: String?

    public init(etag: String, versionID: String?) {
        self.etag = etag
        self.versionID = versionID
    }
}
