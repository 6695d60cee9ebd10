import ArchiveSite
import ObjectStore

/// The archive site's presigned links to videos in the bucket, made by the pipeline's
/// S3 client (the credentials in force after a SIGHUP too).
struct BucketVideoLinks: ObjectLinkSigner {
    let parts: ObjectStoreParts

    func presignedGetURL(bucket: String, key: String, expiresIn seconds: Int) throws -> String {
        // The ledger may name an object of a bucket this daemon no longer writes to (the
        // settings changed): the client signs for its own bucket only.
        guard bucket == parts.settings.bucket else {
            throw BucketMismatch(recorded: bucket, configured: parts.settings.bucket)
        }
        return try parts.client.client.presignedGetURL(key: key, expiresIn: seconds)
    }

    struct BucketMismatch: Error, CustomStringConvertible {
        var recorded: String
        var configured: String
        var description: String { "the video is in bucket \(recorded), and s3.bucket is now \(configured)" }
    }
}
