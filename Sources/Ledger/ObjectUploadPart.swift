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
    /// The whole video's SHA-256 state at the part's end (Hashing's `SHA256Midstate`,
    /// encoded, 40 to 103 bytes), which a resume continues from once the part's bytes are
    /// released from the disk; nil when the part was recorded without one. Not in `show`'s
    /// JSON.
    public var sha256Midstate: [UInt8]?

    public init(number: Int, bytes: Int64, etag: String, checksumSHA256: String, uploadedAt: Date = Date(),
                sha256Midstate: [UInt8]? = nil) {
        self.number = number
        self.bytes = bytes
        self.etag = etag
        self.checksumSHA256 = checksumSHA256
        self.uploadedAt = uploadedAt
        self.sha256Midstate = sha256Midstate
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
        sha256Midstate = (row["sha256_midstate"] as Data?).map { [UInt8]($0) }
    }
}
