import Foundation

/// A part of a multipart upload that the store acknowledged: a resume starts after the
/// highest one, and CompleteMultipartUpload lists them all.
public struct ObjectUploadPart: Sendable, Equatable, Encodable {
    /// 1 to 10 000, as S3 numbers parts.
    public var number: Int
    public var bytes: Int64
    /// The ETag UploadPart answered, as CompleteMultipartUpload must send it back.
    public var etag: String
    /// Base64 of the part's SHA-256 (`x-amz-checksum-sha256`), 44 characters.
    public var checksumSHA256: String
    public var uploadedAt: Date

    public init(number: Int, bytes: Int64, etag: String, checksumSHA256: String, uploadedAt: Date = Date()) {
        self.number = number
        self.bytes = bytes
        self.etag = etag
        self.checksumSHA256 = checksumSHA256
        self.uploadedAt = uploadedAt
    }

    enum CodingKeys: String, CodingKey {
        case number, bytes, etag, checksumSHA256 = "checksum_sha256", uploadedAt
    }

    init(row: SQLRow) throws {
        number = row["part_number"]
        bytes = row["bytes"]
        etag = try row.text("etag")
        checksumSHA256 = try row.text("checksum_sha256")
        uploadedAt = try row.date("uploaded_at")
    }
}
