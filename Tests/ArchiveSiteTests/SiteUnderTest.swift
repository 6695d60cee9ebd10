import Archive
import Foundation
import HTTP
import Logging
import Synchronization
import Testing
@testable import ArchiveSite
import Ledger
import Server
import TestSupport
import VideoAPI

/// The site's routes on a router over a real SQLite ledger in a temporary folder, asked
/// directly (no socket): what each request is answered.
final class SiteUnderTest: @unchecked Sendable {
    let folder = TemporaryDirectory(prefix: "videohookd-site")
    let ledger: Ledger
    let access: AdminAccess
    var router = Router()
    /// How often the site asked to wake the downloader.
    let requeued = RequeueCount()

    init(token: String? = nil, loopback: Bool = true, signer: (any ObjectLinkSigner)? = nil) throws {
        ledger = try Ledger.open(path: folder.path + "/ledger.sqlite")
        access = AdminAccess(token: token, loopback: loopback)
        var quiet = Logger(label: "test")
        quiet.logLevel = .critical
        let requeued = self.requeued
        ArchiveSite(ArchiveSite.Configuration(ledger: ledger, access: access, objectLinks: signer,
                                              downloadRequeued: { requeued.add() }, logger: quiet))
            .install(on: &router)
        router.add("GET", "/healthz") { _, _, respond in respond(.json(status: 200, #"{"status":"ok"}"#)) }
    }

    /// The answer to one request (waiting up to 10 s for a handler that answers later).
    func ask(_ method: String, _ target: String, headers: [(String, String)] = [], body: String = "") -> HTTPResponse {
        let head = HTTPRequestHead(method: method, target: target,
                                   headers: HTTPHeaders([("Host", "127.0.0.1:9090")] + headers))
        let answer = Mutex<HTTPResponse?>(nil)
        let done = DispatchSemaphore(value: 0)
        router.handle(HTTPRequest(head: head, body: Array(body.utf8)),
                      context: RequestContext(peer: nil, receivedAt: 0, isTLS: false),
                      respond: Responder { response in
                          answer.withLock { $0 = $0 ?? response }
                          done.signal()
                      })
        guard done.wait(timeout: .now() + 10) == .success, let response = answer.withLock({ $0 }) else {
            Issue.record("no answer to \(method) \(target)")
            return HTTPResponse(status: 0)
        }
        return response
    }

    func json(_ response: HTTPResponse) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] ?? [:]
    }

    // MARK: Filling the ledger

    func seen(_ id: String, status: TaskStatus, at seen: Double = Date().timeIntervalSince1970,
              extra: String = "") throws {
        let results = status == .completed ? #","results":["https://media.example.com/v/\#(id).mp4?sig=secret"]"# : ""
        let body = #"{"id":"\#(id)","status":"\#(status.rawValue)","created":1761313744\#(results)\#(extra)}"#
        guard case .task(let task) = CallbackBody.classify(Data(body.utf8)) else {
            throw CocoaError(.coderInvalidValue)
        }
        _ = try ledger.record(.event(TaskEvent(task: task, peer: "203.0.113.9:41000",
                                               receivedAt: Date(timeIntervalSince1970: seen))))
    }

    func submitted(_ id: String, prompt: String) throws {
        guard case .task(let task) = CallbackBody.classify(Data(#"{"id":"\#(id)","status":"pending","created":1761313744}"#.utf8)) else {
            throw CocoaError(.coderInvalidValue)
        }
        let request = String(decoding: try JSONSerialization.data(withJSONObject: ["prompt": prompt, "duration": 6]), as: UTF8.self)
        _ = try ledger.record(.submitted(SubmittedTask(answer: task, requestJSON: request)))
    }

    /// A completed task whose video is archived at a file of `bytes` in the folder.
    @discardableResult
    func archived(_ id: String, bytes: [UInt8]) throws -> String {
        try seen(id, status: .completed)
        _ = try ledger.claimNextDownload()
        let path = folder.path + "/\(id).mp4"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        try ledger.recordDownloadResponse(taskID: id, facts: DownloadResponseFacts(bytesTotal: Int64(bytes.count), etag: nil,
                                                                                    lastModified: nil, contentType: "video/mp4"),
                                          bytesDone: 0)
        try ledger.markDownloadDone(taskID: id, archivePath: path, sha256: String(repeating: "ab", count: 32),
                                    bytes: Int64(bytes.count))
        return path
    }

    func failed(_ id: String) throws {
        try seen(id, status: .completed)
        _ = try ledger.claimNextDownload()
        try ledger.markDownloadFailed(taskID: id, reason: "HTTP 410 from the CDN")
    }
}

extension Ledger {
    /// The task's video archived as an object in bucket `videos`, the way the bucket
    /// archive records it: upload begun, completed, then the job done naming the object.
    func testMarkObjectArchived(_ id: String) throws {
        _ = try claimNextDownload()
        let key = "2025/10/24/\(id).mp4"
        _ = try beginObjectUpload(taskID: id, bucket: "videos", key: key, uploadID: nil, partSize: 5 * 1024 * 1024)
        try markObjectUploadCompleted(taskID: id)
        try markDownloadDone(taskID: id, object: ArchivedObject(bucket: "videos", key: key, etag: "\"e\"", versionID: nil),
                             sha256: String(repeating: "cd", count: 32), bytes: 10)
    }
}

final class RequeueCount: Sendable {
    private let count = Atomic<Int>(0)
    func add() { count.add(1, ordering: .relaxed) }
    var value: Int { count.load(ordering: .relaxed) }
}
