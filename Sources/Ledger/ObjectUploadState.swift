/// Where a task's object upload stands. It moves only forward:
/// `uploading → completed → verified`; starting over is ``Ledger/abandonObjectUpload(taskID:)``
/// and a new begin, never a step back.
public enum ObjectUploadState: String, Sendable, Hashable, CaseIterable, Codable {
    /// Created (a multipart upload's id is known, or a PutObject is about to be sent);
    /// parts are being sent and recorded.
    case uploading
    /// CompleteMultipartUpload (or the PutObject) answered: the object exists, not yet
    /// checked. A restart in this state checks it with HeadObject; it never uploads again.
    case completed
    /// HeadObject showed its size and metadata: ETag and version id are known.
    case verified
}
