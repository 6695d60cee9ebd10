/// `s3.*`: archive to an S3-compatible object store instead of `archive_dir`.
///
/// `Settings.s3` is nil unless `s3.bucket` is set: then the archive stays on the file
/// system, as before. Printing an `S3Settings` never shows the secret or the session
/// token (see ``Secret``).
public struct S3Settings: Sendable, Equatable {
    public static let defaultRegion = "us-east-1"
    public static let defaultPartSize = 16 << 20
    /// S3 refuses a part, all but the last, under 5 MiB, and any part over 5 GiB.
    public static let partSizeRange = (5 << 20)...(5 << 30)
    /// S3's cap on the parts of one multipart upload.
    public static let maxParts = 10_000
    /// S3's cap on one object.
    public static let maxObjectBytes = 5 << 40
    /// S3's cap on a key is 1024 bytes; the prefix leaves room for `yyyy/mm/dd/`, a
    /// 128-character task id and an extension.
    public static let maxPrefixBytes = 800

    /// The bucket's name, as S3 spells it.
    public var bucket: String
    /// `scheme://host[:port]`, no path and no trailing slash. Default: AWS's endpoint
    /// for ``region`` (``defaultEndpoint(region:)``).
    public var endpoint: String
    /// Signed into every request (Signature Version 4).
    public var region: String
    /// Put before every key: empty, or a folder that ends in one "/" and starts with none
    /// (`videos` and `/videos/` both read as `videos/`), so that keys are
    /// `<prefix><yyyy>/<mm>/<dd>/<task-id>.<ext>`.
    public var prefix: String
    /// `endpoint/bucket/key` when true; `bucket.endpoint-host/key` (virtual-hosted) when false.
    public var pathStyle: Bool
    public var credentials: S3Credentials
    /// Sent as `x-amz-storage-class`; nil sends none (the bucket's default, STANDARD on AWS).
    /// One of ``knownStorageClasses`` in upper case, or a store's own class as written.
    public var storageClass: String?
    /// Bytes in each part of a multipart upload.
    public var partSize: Int
    /// Keep the file in `archive_dir` after the object is confirmed; false removes it.
    public var keepLocal: Bool
    /// Extra trusted CA certificates (PEM) for the endpoint, beside the system's trust store.
    public var caFile: String?

    public init(bucket: String, endpoint: String? = nil, region: String = S3Settings.defaultRegion,
                prefix: String = "", pathStyle: Bool = false, credentials: S3Credentials,
                storageClass: String? = nil, partSize: Int = S3Settings.defaultPartSize,
                keepLocal: Bool = false, caFile: String? = nil) {
        self.bucket = bucket
        self.endpoint = endpoint ?? Self.defaultEndpoint(region: region)
        self.region = region
        self.prefix = prefix
        self.pathStyle = pathStyle
        self.credentials = credentials
        self.storageClass = storageClass
        self.partSize = partSize
        self.keepLocal = keepLocal
        self.caFile = caFile
    }

    /// AWS's S3 endpoint in `region`: `https://s3.<region>.amazonaws.com`, under
    /// `amazonaws.com.cn` for the China regions.
    public static func defaultEndpoint(region: String) -> String {
        region.hasPrefix("cn-") ? "https://s3.\(region).amazonaws.com.cn" : "https://s3.\(region).amazonaws.com"
    }

    /// The storage classes AWS S3 documents. Another name is allowed (with a warning):
    /// S3-compatible stores define their own, and AWS adds classes over the years.
    public static let knownStorageClasses = [
        "STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING",
        "GLACIER", "DEEP_ARCHIVE", "GLACIER_IR", "OUTPOSTS", "EXPRESS_ONEZONE",
    ]

    /// Classes whose objects must be restored before they can be read.
    public static let archivalStorageClasses: Set<String> = ["GLACIER", "DEEP_ARCHIVE"]

    /// The secrets to keep out of the log (`SecretRedactor`).
    public var secrets: [Secret] {
        [credentials.secretAccessKey] + (credentials.sessionToken.map { [$0] } ?? [])
    }
}

/// How requests to the object store are signed: an access key and its secret, with a
/// session token when they are temporary (STS).
public struct S3Credentials: Sendable, Equatable {
    /// Not a secret by AWS's account (it travels in every `Authorization` header), but
    /// shown only by its last characters.
    public var accessKeyID: String
    public var secretAccessKey: Secret
    /// Where the secret was read from, when it came from `s3.secret_access_key_file`.
    public var secretAccessKeyFile: String?
    /// Sent as `x-amz-security-token`, for temporary credentials.
    public var sessionToken: Secret?

    public init(accessKeyID: String, secretAccessKey: Secret, secretAccessKeyFile: String? = nil,
                sessionToken: Secret? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.secretAccessKeyFile = secretAccessKeyFile
        self.sessionToken = sessionToken
    }

    /// `…MPLE` for `AKIAIOSFODNN7EXAMPLE`: enough to tell two keys apart, as
    /// `aws configure list` does. A short id (a MinIO user name) shows as `(set)`.
    public var maskedAccessKeyID: String {
        accessKeyID.count >= 16 ? "…" + accessKeyID.suffix(4) : "(set)"
    }
}
