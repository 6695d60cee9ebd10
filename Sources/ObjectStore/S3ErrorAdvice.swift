/// Turns S3's answer (status and error code) into what to do: the operator's sentence
/// and the disposition. The sentences name the settings (`s3.*`) an operator changes.
struct S3ErrorAdvice {
    let bucket: String
    let endpoint: String
    let region: String
    let accessKeyID: String

    func classify(status: Int, code: String?, bucketRegion: String?) -> (advice: String, disposition: S3Error.Disposition) {
        switch code {
        case "SignatureDoesNotMatch":
            return ("The secret key does not match access key id \(accessKeyID): check s3.secret_access_key "
                    + "(or AWS_SECRET_ACCESS_KEY) and that s3.region is the bucket's region", .needsOperator)
        case "InvalidAccessKeyId":
            return ("The service does not know access key id \(accessKeyID): check s3.access_key_id "
                    + "(or AWS_ACCESS_KEY_ID) and that s3.endpoint is the service that issued it", .needsOperator)
        case "ExpiredToken", "TokenRefreshRequired", "InvalidToken":
            return ("The session token is expired or invalid: renew s3.session_token (or AWS_SESSION_TOKEN), "
                    + "or use long-lived keys", .needsOperator)
        case "RequestTimeTooSkewed", "RequestExpired":
            return ("This machine's clock differs from the service's by more than 15 minutes: set the clock "
                    + "right (NTP, systemd-timesyncd)", .needsOperator)
        case "AccessDenied", "AllAccessDisabled", "AccountProblem", "Forbidden":
            return ("The credentials of access key id \(accessKeyID) may not do this on bucket \(bucket): grant "
                    + "s3:GetObject, s3:PutObject, s3:ListBucket, s3:ListBucketMultipartUploads, s3:ListMultipartUploadParts "
                    + "and s3:AbortMultipartUpload on it in the user's policy, or check the bucket policy", .needsOperator)
        case "NoSuchBucket":
            return ("Bucket \(bucket) does not exist at \(endpoint): create it, or correct s3.bucket, s3.endpoint "
                    + "or s3.region", .needsOperator)
        case "PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException":
            let region = bucketRegion.map { "set s3.region to \($0)" } ?? "set s3.region to the bucket's region"
            return ("Bucket \(bucket) is not in region \(self.region) at this endpoint: \(region) "
                    + "(or s3.endpoint to the bucket's regional endpoint)", .needsOperator)
        case "InvalidBucketName":
            return ("\"\(bucket)\" is not a valid bucket name: correct s3.bucket", .needsOperator)
        case "NoSuchUpload":
            return ("The multipart upload is gone (completed, aborted, or removed by a lifecycle rule): "
                    + "start a new upload", .failed)
        case "NoSuchKey", "NotFound":
            return ("There is no such object", .failed)
        case "InvalidPart", "InvalidPartOrder", "EntityTooSmall", "EntityTooLarge", "InvalidArgument",
             "InvalidRequest", "KeyTooLongError", "MalformedXML", "InvalidStorageClass", "MetadataTooLarge":
            return ("The service refused the request as malformed: this request cannot succeed as it is", .failed)
        case "BadDigest", "XAmzContentSHA256Mismatch", "InvalidDigest", "IncompleteBody", "RequestTimeout":
            return ("The bytes the service received were not the bytes sent (or came too slowly): send them again",
                    .transient)
        case "SlowDown", "ServiceUnavailable", "InternalError", "OperationAborted", "Throttling",
             "ThrottlingException", "RequestThrottled":
            return ("The service is busy or failing for now: try again later", .transient)
        default:
            break
        }
        switch status {
        case 500...599, 408, 429:
            return ("The service is busy or failing for now: try again later", .transient)
        case 401, 403:
            return ("The service refused the credentials of access key id \(accessKeyID): check s3.access_key_id, "
                    + "s3.secret_access_key and the user's permissions on bucket \(bucket)", .needsOperator)
        case 301, 307:
            let region = bucketRegion.map { "set s3.region to \($0)" } ?? "check s3.region and s3.endpoint"
            return ("Bucket \(bucket) is answered from elsewhere: \(region)", .needsOperator)
        default:
            return ("The service refused the request", .failed)
        }
    }

    /// The code a body-less answer (HEAD) stands for.
    static func code(forStatus status: Int, operation: String) -> String? {
        switch status {
        case 301: "PermanentRedirect"
        case 400: "BadRequest"
        case 403: "Forbidden"
        case 404: operation == "HeadBucket" ? "NoSuchBucket" : "NotFound"
        case 503: "SlowDown"
        default: nil
        }
    }
}
