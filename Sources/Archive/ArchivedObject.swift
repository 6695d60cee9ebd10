/// The object a video was archived as, in a bucket: what `video.archived` and the
/// download job name instead of a file path.
public struct ArchivedObject: Sendable, Equatable {
    public var bucket: String
    public var key: String
    /// As HeadObject answered it, quotes included.
    public var etag: String
    /// Nil when the bucket keeps no versions.
    public var versionID: String?

    public init(bucket: String, key: String, etag: String, versionID: String?) {
        self.bucket = bucket
        self.key = key
        self.etag = etag
        self.versionID = versionID
    }

    /// `s3://bucket/key`, the form DESIGN.md gives the archive location of an object.
    public var url: String { Self.url(bucket: bucket, key: key) }

    public static func url(bucket: String, key: String) -> String { "s3://\(bucket)/\(key)" }
}
