import ObjectStore

/// What the object archive tells the rest of the daemon (metrics: Serve hooks these to
/// Telemetry's counters). Hooks run on the worker and pump threads: keep them short.
public struct ObjectArchiveObserver: Sendable {
    /// Bytes the store acknowledged: a part, a whole PutObject (video or further result).
    public var bytesUploaded: @Sendable (Int64) -> Void
    /// A request to the store failed, with S3's answer (its disposition says what to do;
    /// `serve` counts it and lets `/readyz` judge the bucket by it).
    public var uploadFailed: @Sendable (S3Error) -> Void
    /// Part `number` of `taskID`'s upload is recorded in the ledger (`bytes` long), and its
    /// bytes released from the partial file when the job releases them.
    public var partRecorded: @Sendable (_ taskID: String, _ number: Int, _ bytes: Int64) -> Void
    /// A video is archived as a verified object: its size.
    public var archived: @Sendable (Int64) -> Void

    public init(bytesUploaded: @escaping @Sendable (Int64) -> Void = { _ in },
                uploadFailed: @escaping @Sendable (S3Error) -> Void = { _ in },
                partRecorded: @escaping @Sendable (_ taskID: String, _ number: Int, _ bytes: Int64) -> Void = { _, _, _ in },
                archived: @escaping @Sendable (Int64) -> Void = { _ in }) {
        self.bytesUploaded = bytesUploaded
        self.uploadFailed = uploadFailed
        self.partRecorded = partRecorded
        self.archived = archived
    }
}
