import Foundation
import HTTP
import Ledger
import Server
import VideoAPI

/// `GET`/`HEAD /api/v1/tasks/{id}/video`: the archived video. A file is sent from the
/// disk with `Range` (206, `Content-Range`), `If-Range` (ETag or Last-Modified) and
/// `If-None-Match`, read in chunks as the socket takes them (``HTTP/HTTPFileBody``); an
/// object in a bucket is a 307 to a presigned GET that lives ``presignedSeconds``.
struct VideoEndpoint: Sendable {
    /// Long enough to start playing and to seek for a while; a player that comes back
    /// later is sent here again and gets a fresh link.
    static let presignedSeconds = 300

    let site: ArchiveSite

    func serve(_ request: HTTPRequest, _ respond: Responder) {
        guard let id = SitePath.taskVideo(request.head.path) else { return respond(TaskAPI.notFound) }
        let configuration = site.configuration
        site.authorized(request, api: true, changesState: false, respond: respond) { _ throws(LedgerError) in
            guard let job = try configuration.ledger.downloadJob(taskID: id.rawValue) else {
                guard try configuration.ledger.task(id: id) != nil else { return TaskAPI.unknownTask(id) }
                return .apiError(status: 404, message: "task \(id) has no video: it has not completed", param: "id")
            }
            guard job.state == .done, let archive = job.archivePath else {
                return .apiError(status: 404, message: "the video of task \(id) is not archived yet: its download is \(job.state.rawValue)",
                                 param: "id")
            }
            if let object = Self.objectLocation(archive) {
                return redirect(to: object, taskID: id)
            }
            return Self.file(at: archive, job: job, head: request.head)
        }
    }

    private func redirect(to object: (bucket: String, key: String), taskID: TaskID) -> HTTPResponse {
        guard let signer = site.configuration.objectLinks else {
            return .apiError(status: 503, message: "the video of task \(taskID) is in bucket \(object.bucket), and this daemon has no s3 settings to reach it")
        }
        do {
            let url = try signer.presignedGetURL(bucket: object.bucket, key: object.key, expiresIn: Self.presignedSeconds)
            var headers = HTTPHeaders()
            headers.add("Location", url)
            headers.add("Cache-Control", "no-store")
            return HTTPResponse(status: 307, headers: headers)
        } catch {
            site.configuration.logger.warning("admin.presign_failed", metadata: ["task_id": "\(taskID)", "reason": "\(error)"])
            return .apiError(status: 503, message: "no link to the video of task \(taskID) could be made: \(error)")
        }
    }

    /// `s3://bucket/key` as its parts; nil for a file path.
    static func objectLocation(_ archive: String) -> (bucket: String, key: String)? {
        guard archive.hasPrefix("s3://") else { return nil }
        let rest = archive.dropFirst(5)
        guard let slash = rest.firstIndex(of: "/"), slash != rest.startIndex else { return nil }
        let key = rest[rest.index(after: slash)...]
        return key.isEmpty ? nil : (String(rest[..<slash]), String(key))
    }

    /// The answer for the file at `path`, from its validators and the request's
    /// conditions and range.
    static func file(at path: String, job: DownloadJobRecord, head: HTTPRequestHead) -> HTTPResponse {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            return .apiError(status: 404, message: "the archived video \(path) cannot be opened on this host: \(reason)")
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else {
            close(descriptor)
            return .apiError(status: 404, message: "the archived video \(path) is not a regular file")
        }
        let length = Int64(status.st_size)
        let validators = VideoValidators(sha256: job.sha256, length: length, modified: status.st_mtim.tv_sec)
        var headers = HTTPHeaders()
        headers.add("Accept-Ranges", "bytes")
        headers.add("ETag", validators.etag)
        headers.add("Last-Modified", validators.lastModified)
        headers.add("Cache-Control", "private, max-age=3600")
        if let condition = head.headers["If-None-Match"], validators.matchesAny(condition) {
            close(descriptor)
            return HTTPResponse(status: 304, headers: headers)
        }
        headers.add("Content-Type", Self.contentType(job.contentType))
        headers.add("Content-Disposition", "inline; filename=\"\(job.taskID)\(Self.fileExtension(path))\"")
        var range = ByteRangeRequest(header: head.headers["Range"], length: length)
        if let ifRange = head.headers["If-Range"], !validators.isCurrent(ifRange) {
            range = .whole  // the client's copy is of another file: send this one whole
        }
        switch range {
        case .whole:
            return HTTPResponse(status: 200, headers: headers, file: HTTPFileBody(descriptor: descriptor, offset: 0, length: length))
        case .partial(let offset, let count):
            headers.add("Content-Range", "bytes \(offset)-\(offset + count - 1)/\(length)")
            return HTTPResponse(status: 206, headers: headers,
                                file: HTTPFileBody(descriptor: descriptor, offset: offset, length: count))
        case .unsatisfiable:
            close(descriptor)
            var refusal = HTTPResponse.apiError(status: 416, message: "the range is outside the video's \(length) bytes",
                                                param: "Range")
            refusal.headers.add("Content-Range", "bytes */\(length)")
            refusal.headers.add("Accept-Ranges", "bytes")
            return refusal
        }
    }

    /// The type the download recorded when it is a video's; anything else is sent as
    /// bytes, so that a CDN's odd label cannot make a browser render it as a page.
    static func contentType(_ recorded: String?) -> String {
        guard let recorded else { return "video/mp4" }
        let essence = recorded.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        let allowed = essence.hasPrefix("video/") && essence.dropFirst(6).allSatisfy {
            $0.isASCII && ($0.isLetter || $0.isNumber || "-+.".contains($0))
        }
        return allowed ? essence : "application/octet-stream"
    }

    private static func fileExtension(_ path: String) -> String {
        let name = path.split(separator: "/").last ?? ""
        guard let dot = name.lastIndex(of: "."), name[dot...].count <= 6 else { return "" }
        return name[dot...].allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == ".") } ? String(name[dot...]) : ""
    }
}

/// The file's validators: a strong ETag (the video's SHA-256, which the archive records,
/// else its length and time) and its Last-Modified.
struct VideoValidators {
    let etag: String
    let lastModified: String

    init(sha256: String?, length: Int64, modified: Int) {
        etag = "\"" + (sha256 ?? "\(length)-\(modified)") + "\""
        lastModified = HTTPDate.format(Date(timeIntervalSince1970: Double(modified)))
    }

    /// `If-Range`: a strong ETag equal to ours, or our Last-Modified exactly. A weak tag
    /// never matches (RFC 9110 §13.1.5).
    func isCurrent(_ condition: String) -> Bool {
        let condition = condition.trimmingCharacters(in: .whitespaces)
        if condition.hasPrefix("\"") { return condition == etag }
        if condition.hasPrefix("W/") { return false }
        return condition == lastModified
    }

    /// `If-None-Match`: `*`, or a list with our tag (weak comparison).
    func matchesAny(_ condition: String) -> Bool {
        condition.split(separator: ",").contains { item in
            let tag = item.trimmingCharacters(in: .whitespaces)
            return tag == "*" || tag == etag || tag == "W/" + etag
        }
    }
}

/// IMF-fixdate (RFC 9110 §5.6.7): `Sun, 06 Nov 1994 08:49:37 GMT`.
enum HTTPDate {
    static func format(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }
}
