extension ArchiveSidecar {
    /// The object the video was archived as, when the archive is an S3-compatible
    /// bucket: the sidecar then names it, as `video.archived` does.
    ///
    /// ```json
    /// "object": {
    ///   "bucket": "videos",
    ///   "key": "archive/2025/10/24/task-unified-1761313744-abcd1234.mp4",
    ///   "url": "s3://videos/archive/2025/10/24/task-unified-1761313744-abcd1234.mp4",
    ///   "etag": "\"9b2cf535f27731c974343645a3985328-4\"",
    ///   "version_id": null
    /// }
    /// ```
    public struct Object: Sendable, Equatable {
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

        /// `s3://bucket/key`.
        public var url: String { "s3://\(bucket)/\(key)" }

        /// The object's JSON, nested one level in the sidecar.
        func json() -> String {
            var writer = JSONTextWriter(indent: "    ", closingIndent: "  ")
            writer.open()
            writer.field("bucket", .string(bucket))
            writer.field("key", .string(key))
            writer.field("url", .string(url))
            writer.field("etag", .string(etag))
            writer.field("version_id", versionID.map { .string($0) } ?? .null)
            writer.close()
            return String(writer.text.dropLast())
        }
    }
}
