/// What HeadObject says of an object: enough to decide that an upload is really there.
public struct S3ObjectInfo: Sendable, Equatable {
    public var size: Int64
    /// As the service sends it, quotes included (`"9b2cf535f27731c974343645a3985328"`).
    public var etag: String
    /// Set when the bucket keeps versions.
    public var versionID: String?
    /// The `x-amz-meta-*` fields, by their name after the prefix, lower-cased.
    public var metadata: [String: String]
    public var contentType: String?
    /// nil for STANDARD, which S3 does not name in the answer.
    public var storageClass: String?

    public init(size: Int64, etag: String, versionID: String?, metadata: [String: String], contentType: String?,
                storageClass: String?) {
        self.size = size
        self.etag = etag
        self.versionID = versionID
        self.metadata = metadata
        self.contentType = contentType
        self.storageClass = storageClass
    }
}
