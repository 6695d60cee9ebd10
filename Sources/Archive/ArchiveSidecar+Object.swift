extension ArchivedObject {
    /// The object as the sidecar names it, when the archive is an S3-compatible bucket
    /// (as `video.archived` does), nested one level in the sidecar:
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
    func sidecarJSON() -> String {
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
