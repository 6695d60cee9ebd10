import Foundation
import HTTP
import HTTPClient
import Hashing
import Transport

/// The object store's client: the S3 operations the archive's uploads need, each one
/// request signed with Signature Version 4 (``S3Signer``) and sent on a new connection of
/// the project's ``HTTPSClient``, whose URL policy and TLS context are the caller's (the
/// tests' moto server is plain `http` on loopback, which only a policy that allows it
/// reaches). Answers are read whole, at most `maxResponseBytes`; XML through
/// FoundationXML. Every failure is an ``S3Error``.
public final class S3Client: Sendable {
    public let endpoint: S3Endpoint
    private let signer: S3Signer
    private let http: HTTPSClient
    private let responseTimeout: Duration
    private let maxResponseBytes: Int
    private let clock: @Sendable () -> AmzTimestamp
    private let advice: S3ErrorAdvice

    /// S3 numbers parts 1...10000.
    public static let partNumbers = 1...10_000

    /// - Parameters:
    ///   - responseTimeout: from the request sent to the whole answer read
    ///     (CompleteMultipartUpload of many parts can take a while).
    ///   - maxResponseBytes: the largest answer read (a page of 1000 parts is about 400 KB).
    ///   - clock: the time each request is signed with.
    public init(endpoint: S3Endpoint, credentials: S3Credentials, http: HTTPSClient,
                responseTimeout: Duration = .seconds(120), maxResponseBytes: Int = 4 << 20,
                clock: @escaping @Sendable () -> AmzTimestamp = { AmzTimestamp.now() }) {
        self.endpoint = endpoint
        self.signer = S3Signer(credentials: credentials, region: endpoint.region)
        self.http = http
        self.responseTimeout = responseTimeout
        self.maxResponseBytes = maxResponseBytes
        self.clock = clock
        self.advice = S3ErrorAdvice(bucket: endpoint.bucket, endpoint: endpoint.description, region: endpoint.region,
                                    accessKeyID: credentials.accessKeyID)
    }

    // MARK: Bucket

    /// Succeeds when the bucket exists and the credentials may use it: what `serve`
    /// checks at start and `check-config` reports.
    public func headBucket() throws(S3Error) {
        _ = try perform("HeadBucket", endpoint.request(method: "HEAD", key: nil))
    }

    // MARK: Whole objects

    /// Puts `body` (a sidecar JSON, something small) as `key`.
    @discardableResult
    public func putObject(key: String, body: [UInt8], contentType: String? = nil, metadata: [String: String] = [:],
                          storageClass: String? = nil,
                          canceller: ConnectionCanceller = ConnectionCanceller()) throws(S3Error) -> S3UploadResult {
        try S3Endpoint.check(key: key, operation: "PutObject")
        let headers = try objectHeaders(contentType: contentType, metadata: metadata, storageClass: storageClass,
                                        operation: "PutObject")
        let answer = try perform("PutObject", endpoint.request(method: "PUT", key: key, headers: headers),
                                 payload: .of(body), body: .bytes(body), canceller: canceller)
        return uploadResult(answer.head)
    }

    /// Puts a file's range as `key`, streamed in constant memory. The range is read once
    /// before for its SHA-256, which the signature covers, so the service refuses bytes
    /// that changed on the way.
    @discardableResult
    public func putObject(key: String, file: FileRangeBody, contentType: String? = nil, metadata: [String: String] = [:],
                          storageClass: String? = nil,
                          canceller: ConnectionCanceller = ConnectionCanceller()) throws(S3Error) -> S3UploadResult {
        try S3Endpoint.check(key: key, operation: "PutObject")
        let digest = try Self.sha256(of: file, operation: "PutObject")
        let headers = try objectHeaders(contentType: contentType, metadata: metadata, storageClass: storageClass,
                                        operation: "PutObject")
            + [("x-amz-checksum-sha256", Data(digest).base64EncodedString())]
        let answer = try perform("PutObject", endpoint.request(method: "PUT", key: key, headers: headers),
                                 payload: .sha256Hex(SHA256Digest.hex(digest)), body: .file(file), canceller: canceller)
        return uploadResult(answer.head)
    }

    /// S3's largest CopyObject source: a larger object needs UploadPartCopy.
    public static let maxCopyBytes: Int64 = 5 << 30

    /// Copies `key` onto itself with its metadata replaced (`x-amz-metadata-directive:
    /// REPLACE`): how an object gets metadata known only once its last byte was sent
    /// (the SHA-256 of a multipart upload). The content type and storage class are
    /// replaced too, so they are sent again; the object's bytes stay. Objects up to
    /// ``maxCopyBytes``. S3 may answer 200 and still fail (the error in the body): that
    /// is an ``S3Error`` too. In a versioned bucket the copy is a new version.
    ///
    /// The copy asks for a SHA-256 checksum (`x-amz-checksum-algorithm`): the service
    /// then computes the whole object's digest itself and answers it
    /// (``S3UploadResult/checksumSHA256``), which the caller can hold against its own; a
    /// multipart object's checksum is otherwise a digest of its parts' digests, and a
    /// copy without the header may keep that one where a reader expects a whole-object
    /// checksum (moto 5.2 does, and boto3's checked download then fails).
    @discardableResult
    public func copyObject(key: String, replacingMetadata metadata: [String: String], contentType: String? = nil,
                           storageClass: String? = nil,
                           canceller: ConnectionCanceller = ConnectionCanceller()) throws(S3Error) -> S3UploadResult {
        let operation = "CopyObject"
        try S3Endpoint.check(key: key, operation: operation)
        let source = S3URIEncoding.encodePath("/\(endpoint.bucket)/\(key)")
        let headers = try objectHeaders(contentType: contentType, metadata: metadata, storageClass: storageClass,
                                        operation: operation)
            + [("x-amz-copy-source", source), ("x-amz-metadata-directive", "REPLACE"),
               ("x-amz-checksum-algorithm", "SHA256")]
        let answer = try perform(operation, endpoint.request(method: "PUT", key: key, headers: headers),
                                 payload: .empty, body: .bytes([]), canceller: canceller)
        let document = try xml(answer.body, operation: operation)
        if document.name == "Error" { throw serviceError(operation, status: answer.head.status, head: answer.head,
                                                         document: document) }
        let etag = document.text("ETag") ?? answer.head.headers["ETag"] ?? ""
        return S3UploadResult(etag: etag, versionID: answer.head.headers["x-amz-version-id"],
                              checksumSHA256: document.text("ChecksumSHA256"))
    }

    /// Size, ETag, version and metadata of `key`; `NotFound` when there is none.
    public func headObject(key: String,
                           canceller: ConnectionCanceller = ConnectionCanceller()) throws(S3Error) -> S3ObjectInfo {
        try S3Endpoint.check(key: key, operation: "HeadObject")
        let head = try perform("HeadObject", endpoint.request(method: "HEAD", key: key), canceller: canceller).head
        var metadata: [String: String] = [:]
        for (name, value) in head.headers where name.lowercased().hasPrefix("x-amz-meta-") {
            metadata[String(name.lowercased().dropFirst("x-amz-meta-".count))] = value
        }
        guard let length = head.headers["Content-Length"].flatMap({ Int64($0) }) else {
            throw S3Error(operation: "HeadObject", status: head.status, code: nil,
                          message: "the answer has no Content-Length", advice: "The service answered oddly: try again later",
                          disposition: .transient)
        }
        return S3ObjectInfo(size: length, etag: head.headers["ETag"] ?? "", versionID: head.headers["x-amz-version-id"],
                            metadata: metadata, contentType: head.headers["Content-Type"],
                            storageClass: head.headers["x-amz-storage-class"])
    }

    /// A URL that GETs `key` without credentials until `seconds` from now (at most 7 days).
    public func presignedGetURL(key: String, expiresIn seconds: Int) throws(S3Error) -> String {
        try S3Endpoint.check(key: key, operation: "presign")
        return try signer.presignedURL(endpoint.request(method: "GET", key: key), expiresIn: seconds, at: clock())
    }

    // MARK: Multipart uploads

    /// Begins a multipart upload of `key` whose parts carry SHA-256 checksums; returns its upload id.
    public func createMultipartUpload(key: String, contentType: String? = nil, metadata: [String: String] = [:],
                                      storageClass: String? = nil,
                                      canceller: ConnectionCanceller = ConnectionCanceller()) throws(S3Error) -> String {
        let operation = "CreateMultipartUpload"
        try S3Endpoint.check(key: key, operation: operation)
        let headers = try objectHeaders(contentType: contentType, metadata: metadata, storageClass: storageClass,
                                        operation: operation) + [("x-amz-checksum-algorithm", "SHA256")]
        let answer = try perform(operation, endpoint.request(method: "POST", key: key, query: [("uploads", "")],
                                                             headers: headers),
                                 payload: .empty, body: .bytes([]), canceller: canceller)
        let document = try xml(answer.body, operation: operation)
        guard let uploadID = document.text("UploadId"), !uploadID.isEmpty else {
            throw unreadable(operation, "no UploadId in the answer")
        }
        return uploadID
    }

    /// Uploads part `partNumber` (1...10000) from a file's range, with its SHA-256 as
    /// `x-amz-checksum-sha256`. Every part but the last is at least 5 MiB (S3's rule,
    /// checked by the service when the upload completes).
    public func uploadPart(key: String, uploadID: String, partNumber: Int, file: FileRangeBody,
                           canceller: ConnectionCanceller = ConnectionCanceller()) throws(S3Error) -> S3UploadedPart {
        let operation = "UploadPart"
        try S3Endpoint.check(key: key, operation: operation)
        guard Self.partNumbers.contains(partNumber) else {
            throw .invalidRequest("part number \(partNumber) is outside S3's 1...10000", operation: operation)
        }
        let digest = try Self.sha256(of: file, operation: operation)
        let checksum = Data(digest).base64EncodedString()
        let request = endpoint.request(method: "PUT", key: key,
                                       query: [("partNumber", String(partNumber)), ("uploadId", uploadID)],
                                       headers: [("x-amz-checksum-sha256", checksum)])
        let answer = try perform(operation, request, payload: .sha256Hex(SHA256Digest.hex(digest)), body: .file(file),
                                 canceller: canceller)
        guard let etag = answer.head.headers["ETag"], !etag.isEmpty else {
            throw unreadable(operation, "no ETag in the answer")
        }
        return S3UploadedPart(partNumber: partNumber, etag: etag, size: file.length, checksumSHA256: checksum)
    }

    /// The parts the service has of an upload, in order, every page of them: what an
    /// interrupted upload resumes from. `NoSuchUpload` when it is gone. `pageSize` is
    /// S3's `max-parts`, 1...1000.
    public func listParts(key: String, uploadID: String, pageSize: Int = 1000,
                          canceller: ConnectionCanceller = ConnectionCanceller()) throws(S3Error) -> [S3UploadedPart] {
        let operation = "ListParts"
        try S3Endpoint.check(key: key, operation: operation)
        guard (1...1000).contains(pageSize) else {
            throw .invalidRequest("a page of parts holds 1 to 1000, not \(pageSize)", operation: operation)
        }
        var parts: [S3UploadedPart] = []
        var marker = 0
        while true {
            var query = [("uploadId", uploadID), ("max-parts", String(pageSize))]
            if marker > 0 { query.append(("part-number-marker", String(marker))) }
            let answer = try perform(operation, endpoint.request(method: "GET", key: key, query: query),
                                     canceller: canceller)
            let document = try xml(answer.body, operation: operation)
            for part in document.children("Part") {
                guard let number = part.text("PartNumber").flatMap({ Int($0) }), let etag = part.text("ETag"),
                      let size = part.text("Size").flatMap({ Int64($0) }) else {
                    throw unreadable(operation, "a Part without PartNumber, ETag or Size")
                }
                parts.append(S3UploadedPart(partNumber: number, etag: etag, size: size,
                                            checksumSHA256: part.text("ChecksumSHA256")))
            }
            guard document.text("IsTruncated") == "true" else { return parts }
            // A next marker that does not move on would page forever.
            guard let next = document.text("NextPartNumberMarker").flatMap({ Int($0) }), next > marker else {
                throw unreadable(operation, "a truncated list whose NextPartNumberMarker does not move on")
            }
            marker = next
        }
    }

    /// Joins the parts into the object. S3 may answer 200 and still fail (the error in
    /// the body): that is an ``S3Error`` too.
    @discardableResult
    public func completeMultipartUpload(key: String, uploadID: String, parts: [S3UploadedPart],
                                        canceller: ConnectionCanceller = ConnectionCanceller()) throws(S3Error) -> S3UploadResult {
        let operation = "CompleteMultipartUpload"
        try S3Endpoint.check(key: key, operation: operation)
        let body = Array(CompleteMultipartUploadBody.xml(parts.sorted { $0.partNumber < $1.partNumber }).utf8)
        let request = endpoint.request(method: "POST", key: key, query: [("uploadId", uploadID)],
                                       headers: [("Content-Type", "application/xml")])
        let answer = try perform(operation, request, payload: .of(body), body: .bytes(body), canceller: canceller)
        let document = try xml(answer.body, operation: operation)
        if document.name == "Error" { throw serviceError(operation, status: answer.head.status, head: answer.head,
                                                         document: document) }
        let etag = document.text("ETag") ?? answer.head.headers["ETag"] ?? ""
        return S3UploadResult(etag: etag, versionID: answer.head.headers["x-amz-version-id"])
    }

    /// Drops an upload and its parts. Aborting one already gone is `NoSuchUpload`.
    public func abortMultipartUpload(key: String, uploadID: String) throws(S3Error) {
        try S3Endpoint.check(key: key, operation: "AbortMultipartUpload")
        _ = try perform("AbortMultipartUpload", endpoint.request(method: "DELETE", key: key,
                                                                 query: [("uploadId", uploadID)]))
    }

    /// Every upload in progress whose key starts with `prefix`, every page of them.
    public func listMultipartUploads(prefix: String) throws(S3Error) -> [S3MultipartUpload] {
        let operation = "ListMultipartUploads"
        var uploads: [S3MultipartUpload] = []
        var markers: (key: String, uploadID: String)?
        while true {
            var query = [("uploads", ""), ("prefix", prefix)]
            if let markers { query += [("key-marker", markers.key), ("upload-id-marker", markers.uploadID)] }
            let answer = try perform(operation, endpoint.request(method: "GET", key: nil, query: query))
            let document = try xml(answer.body, operation: operation)
            for upload in document.children("Upload") {
                guard let key = upload.text("Key"), let uploadID = upload.text("UploadId") else {
                    throw unreadable(operation, "an Upload without Key or UploadId")
                }
                uploads.append(S3MultipartUpload(key: key, uploadID: uploadID, initiated: upload.text("Initiated") ?? ""))
            }
            guard document.text("IsTruncated") == "true" else { return uploads }
            let next = (key: document.text("NextKeyMarker") ?? "", uploadID: document.text("NextUploadIdMarker") ?? "")
            guard !next.key.isEmpty, next.key != markers?.key || next.uploadID != markers?.uploadID else {
                throw unreadable(operation, "a truncated list whose next markers do not move on")
            }
            markers = next
        }
    }

    // MARK: The exchange

    enum Body {
        case bytes([UInt8])
        case file(FileRangeBody)
    }

    /// Signs and sends one request; a 2xx answer comes back, anything else is an ``S3Error``.
    private func perform(_ operation: String, _ request: S3Request, payload: S3Payload = .empty,
                         body: Body = .bytes([]),
                         canceller: ConnectionCanceller = ConnectionCanceller()) throws(S3Error) -> (head: HTTPResponseHead, body: [UInt8]) {
        let signed = signer.sign(request, payload: payload, at: clock())
        let headers = HTTPHeaders(request.headers.map { ($0.name, $0.value) } + signed.map { ($0.name, $0.value) })
        let deadline = MonotonicClock.nanoseconds() &+ UInt64(max(0, responseTimeout.seconds) * 1e9)
        let answer: (head: HTTPResponseHead, body: [UInt8])
        do {
            switch body {
            case .bytes(let bytes):
                answer = try http.send(method: request.method, url: request.url, headers: headers, body: bytes,
                                       maxResponseBytes: maxResponseBytes, canceller: canceller, deadline: deadline)
            case .file(let file):
                answer = try http.send(method: request.method, url: request.url, headers: headers, file: file,
                                       maxResponseBytes: maxResponseBytes, canceller: canceller, deadline: deadline)
            }
        } catch {
            throw transportError(operation, error)
        }
        guard (200...299).contains(answer.head.status) else {
            throw serviceError(operation, status: answer.head.status, head: answer.head,
                               document: XMLElementTree.parse(answer.body))
        }
        return answer
    }

    private func transportError(_ operation: String, _ failure: HTTPSSendFailure) -> S3Error {
        let message = signer.credentials.redacting(failure.reason)
        switch failure.kind {
        case .temporary:
            return S3Error(operation: operation, status: nil, code: nil, message: message,
                           advice: "No answer from \(endpoint): try again later; if it lasts, check s3.endpoint "
                               + "and the network", disposition: .transient)
        case .permanent:
            return S3Error(operation: operation, status: nil, code: nil, message: message,
                           advice: "Asking again will not help: check s3.endpoint (the URL policy must allow it) "
                               + "and the file being sent", disposition: .failed)
        case .cancelled:
            return S3Error(operation: operation, status: nil, code: nil, message: message,
                           advice: "The request was cancelled (the daemon is stopping)", disposition: .transient)
        }
    }

    private func serviceError(_ operation: String, status: Int, head: HTTPResponseHead,
                              document: XMLElementTree?) -> S3Error {
        let error = document?.name == "Error" ? document : nil
        let code = error?.text("Code") ?? S3ErrorAdvice.code(forStatus: status, operation: operation)
        let message = error?.text("Message") ?? (head.reason.isEmpty ? "HTTP \(status)" : head.reason)
        let bucketRegion = head.headers["x-amz-bucket-region"] ?? error?.text("Region")
        let (advice, disposition) = advice.classify(status: status, code: code, bucketRegion: bucketRegion)
        return S3Error(operation: operation, status: status, code: code, message: signer.credentials.redacting(message),
                       advice: advice, disposition: disposition,
                       requestID: head.headers["x-amz-request-id"] ?? error?.text("RequestId"))
    }

    private func xml(_ body: [UInt8], operation: String) throws(S3Error) -> XMLElementTree {
        guard let document = XMLElementTree.parse(body) else { throw unreadable(operation, "the answer is not XML") }
        return document
    }

    private func unreadable(_ operation: String, _ what: String) -> S3Error {
        S3Error(operation: operation, status: nil, code: nil, message: what,
                advice: "The service's answer was not what S3 sends: try again later; if it lasts, check s3.endpoint",
                disposition: .transient)
    }

    private func objectHeaders(contentType: String?, metadata: [String: String], storageClass: String?,
                               operation: String) throws(S3Error) -> [(name: String, value: String)] {
        var headers = try S3Metadata.headers(metadata, operation: operation)
        if let contentType { headers.append(("Content-Type", contentType)) }
        if let storageClass {
            guard !storageClass.isEmpty, storageClass.utf8.allSatisfy({
                (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) || $0 == UInt8(ascii: "_")
            }) else {
                throw .invalidRequest("storage class \"\(storageClass)\" is not a name such as STANDARD_IA", operation: operation)
            }
            headers.append(("x-amz-storage-class", storageClass))
        }
        return headers
    }

    private func uploadResult(_ head: HTTPResponseHead) -> S3UploadResult {
        S3UploadResult(etag: head.headers["ETag"] ?? "", versionID: head.headers["x-amz-version-id"])
    }

    /// The SHA-256 of a file's range, read through once.
    static func sha256(of file: FileRangeBody, operation: String) throws(S3Error) -> [UInt8] {
        let digest = SHA256Digest()
        do {
            try file.stream { (chunk) throws(HTTPClientFailure) in digest.update(chunk) }
        } catch {
            throw S3Error(operation: operation, status: nil, code: nil, message: error.reason,
                          advice: "The file to upload could not be read whole: check the archive's file", disposition: .failed)
        }
        return digest.finish()
    }
}
