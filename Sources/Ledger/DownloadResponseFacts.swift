/// What a download learned from the response it is now writing: how long the file is and
/// the validators that let it resume the same file later.
public struct DownloadResponseFacts: Sendable, Equatable {
    public var bytesTotal: Int64?
    /// A strong ETag (weak ones cannot go in `If-Range`).
    public var etag: String?
    public var lastModified: String?
    public var contentType: String?

    public init(bytesTotal: Int64?, etag: String?, lastModified: String?, contentType: String?) {
        self.bytesTotal = bytesTotal
        self.etag = etag
        self.lastModified = lastModified
        self.contentType = contentType
    }
}
