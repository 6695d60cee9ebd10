/// One part of a multipart upload as the service has it: what CompleteMultipartUpload
/// names, and what the ledger keeps so that an interrupted upload resumes.
public struct S3UploadedPart: Sendable, Equatable, Codable {
    /// 1...10000.
    public var partNumber: Int
    /// Quotes included.
    public var etag: String
    public var size: Int64
    /// The part's SHA-256 in base64, as `x-amz-checksum-sha256` carried it.
    public var checksumSHA256: String?

    public init(partNumber: Int, etag: String, size: Int64, checksumSHA256: String?) {
        self.partNumber = partNumber
        self.etag = etag
        self.size = size
        self.checksumSHA256 = checksumSHA256
    }
}
