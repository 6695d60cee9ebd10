import Downloader
import Foundation
import Glibc
import HTTPClient
import Ledger
import ObjectStore
import TLS
import TestSupport
import Testing
import URLPolicy
import VideoAPI
@testable import ObjectArchive

/// One moto S3 server for the whole test process (signature checks on), its bucket
/// shared by the tests, each test under its own key prefix.
enum SharedBucket {
    static let name = "videohookd-pipeline"
    private static let started: Result<MotoS3Server, any Error> = Result { try MotoS3Server(buckets: [name]) }
    static func server() throws -> MotoS3Server { try started.get() }
}

/// A ledger, an archive folder, the shared file server (the video's CDN) and the
/// shared moto bucket, wired into a download service whose destination is the bucket.
final class BucketHarness: @unchecked Sendable {
    // @unchecked: the service is set by `start` from the test's own thread.
    let directory: TemporaryDirectory
    let files: FileServer
    let moto: MotoS3Server
    let ledger: Ledger
    let logs = LogCapture()
    let prefix: String
    var downloads: DownloaderConfiguration
    var objects: ObjectArchiveConfiguration
    var observer = ObjectArchiveObserver()
    let clients: S3ClientHolder
    private(set) var service: DownloadService?
    private(set) var archive: BucketArchive?

    /// A fresh folder, or the one of an earlier harness (a restart: the same ledger file
    /// and archive, opened again).
    init(restarting earlier: BucketHarness? = nil, secret: String? = nil,
         configure: (inout ObjectArchiveConfiguration) -> Void = { _ in }) throws {
        directory = earlier?.directory ?? TemporaryDirectory()
        files = try FileServer.shared()
        moto = try SharedBucket.server()
        ledger = try Ledger.open(path: directory.file("ledger.sqlite"))
        prefix = earlier?.prefix ?? "t\(UInt32.random(in: 0...UInt32.max))/"
        downloads = DownloaderConfiguration(
            archiveDirectory: directory.file("archive"), concurrency: 1, maxBytes: 100 << 20,
            caFile: try TestCertificates.shared().caFile, diskReserveBytes: 0,
            connectTimeout: .seconds(2), readTimeout: .seconds(10), attemptTimeout: .seconds(60),
            retryBaseDelay: .milliseconds(50), retryMaxDelay: .milliseconds(200), pollInterval: .milliseconds(100),
            checkpointBytes: 256 << 10, checkpointInterval: .milliseconds(100), progressLogInterval: .milliseconds(500),
            stopTimeout: .seconds(5))
        var objects = ObjectArchiveConfiguration(prefix: prefix, partSize: 5 << 20, archiveDirectory: directory.file("archive"),
                                                 partRetryDelays: [.milliseconds(100)])
        configure(&objects)
        self.objects = objects
        clients = S3ClientHolder(try Self.client(moto, secret: secret))
    }

    deinit { service?.stop() }

    /// An S3 client of the moto server, path style, with its access key and `secret`
    /// (the right one by default).
    static func client(_ moto: MotoS3Server, secret: String? = nil) throws -> S3Client {
        try client(endpoint: moto.endpoint, region: moto.region, accessKeyID: moto.accessKeyID,
                   secret: secret ?? moto.secretAccessKey)
    }

    /// An S3 client of any endpoint on loopback, plain http, path style.
    static func client(endpoint: String, region: String = "us-east-1", accessKeyID: String = "AKIATESTTESTTESTTEST",
                       secret: String = "testSecretKey0123456789") throws -> S3Client {
        let policy = URLPolicy(allowInternal: true, allowPlainHTTP: true, resolver: FixedHostResolver(addresses: [:]))
        let http = HTTPSClient(tls: try TLSClientContext(), policy: policy,
                               timeouts: .init(connectMilliseconds: 2000, readMilliseconds: 30_000),
                               userAgent: "videohookd-test")
        let s3Endpoint = try S3Endpoint(bucket: SharedBucket.name, region: region, endpoint: endpoint, pathStyle: true)
        return S3Client(endpoint: s3Endpoint, credentials: S3Credentials(accessKeyID: accessKeyID, secretAccessKey: secret),
                        http: http)
    }

    /// Records a completed callback for `id` with `results`, which queues its download.
    func addCompletedTask(_ id: String, results: [String], created: Date = Date()) throws {
        let object: [String: Any] = [
            "id": id, "object": "video.generation.task", "model": "seedance-1.5-pro",
            "created": Int(created.timeIntervalSince1970), "status": "completed", "progress": 100, "type": "video",
            "results": results,
        ]
        let body = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        guard case .task(let task) = CallbackBody.classify(body) else {
            throw ProcessRunner.Failure(description: "the test body for \(id) is not a task")
        }
        _ = try ledger.record(.event(TaskEvent(task: task, peer: "127.0.0.1:1", receivedAt: Date())))
    }

    @discardableResult
    func start() throws -> DownloadService {
        if let service { return service }
        let policy = URLPolicy(allowInternal: true, resolver: FixedHostResolver(addresses: ["files.test": [IPAddress(127, 0, 0, 1)]]))
        let destination = BucketArchive(ledger: ledger, clients: clients, configuration: objects, observer: observer)
        archive = destination
        let made = try DownloadService(ledger: ledger, configuration: downloads, policy: policy, logger: logs.logger,
                                       destination: destination)
        try made.start()
        service = made
        made.wake()
        return made
    }

    @discardableResult
    func stop() -> Bool {
        defer { service = nil }
        return service?.stop() ?? true
    }

    func waitForJob(_ id: String, in states: Set<DownloadJobState> = [.done, .failed],
                    timeout: Double = 60) throws -> DownloadJobRecord? {
        let until = Date(timeIntervalSinceNow: timeout)
        var job: DownloadJobRecord?
        while Date() < until {
            job = try ledger.downloadJob(taskID: id)
            if let job, states.contains(job.state) { return job }
            Thread.sleep(forTimeInterval: 0.02)
        }
        Issue.record("job \(id) is still \(job?.state.rawValue ?? "missing") after \(timeout) s; log:\n\(logs.text)")
        return job
    }

    func waitUntil(timeout: Double = 30, _ condition: () throws -> Bool) rethrows -> Bool {
        try Polling.until(timeout: timeout, every: 0.02, condition)
    }

    /// `<prefix><yyyy>/<mm>/<dd>/` of a task created at `created`.
    func keyFolder(created: Date = Date()) -> String {
        let formatter = DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy/MM/dd"
        return prefix + formatter.string(from: created) + "/"
    }

    // MARK: Reading the bucket back with boto3

    /// The object's SHA-256 as `sha256sum` computes it over what boto3 downloaded.
    func downloadedSHA256(_ key: String) throws -> String {
        let target = directory.file("read-\(UUID().uuidString)")
        _ = try moto.boto3("s3.download_file(argv[1], argv[2], argv[3])", arguments: [SharedBucket.name, key, target])
        defer { try? FileManager.default.removeItem(atPath: target) }
        return try FileServer.sha256(of: target)
    }

    func downloadedBytes(_ key: String) throws -> Data {
        let target = directory.file("read-\(UUID().uuidString)")
        _ = try moto.boto3("s3.download_file(argv[1], argv[2], argv[3])", arguments: [SharedBucket.name, key, target])
        defer { try? FileManager.default.removeItem(atPath: target) }
        return try Data(contentsOf: URL(fileURLWithPath: target))
    }

    struct Head: Decodable {
        var ContentLength: Int64
        var ContentType: String?
        var Metadata: [String: String]
        /// The store's whole-object SHA-256 (base64), asked for with ChecksumMode.
        var ChecksumSHA256: String?
    }

    func head(_ key: String) throws -> Head {
        let printed = try moto.boto3("""
            from json import dumps
            h = s3.head_object(Bucket=argv[1], Key=argv[2], ChecksumMode="ENABLED")
            print(dumps({"ContentLength": h["ContentLength"], "ContentType": h.get("ContentType"), "Metadata": h["Metadata"],
                         "ChecksumSHA256": h.get("ChecksumSHA256")}))
            """, arguments: [SharedBucket.name, key])
        return try JSONDecoder().decode(Head.self, from: Data(printed.utf8))
    }

    /// Every key under this harness's prefix.
    func keys() throws -> [String] {
        let printed = try moto.boto3("""
            from json import dumps
            r = s3.list_objects_v2(Bucket=argv[1], Prefix=argv[2])
            print(dumps(sorted(o["Key"] for o in r.get("Contents", []))))
            """, arguments: [SharedBucket.name, prefix])
        return try JSONDecoder().decode([String].self, from: Data(printed.utf8))
    }

    /// Multipart uploads begun under this harness's prefix and not completed or aborted.
    func openUploads() throws -> [String] {
        let printed = try moto.boto3("""
            from json import dumps
            r = s3.list_multipart_uploads(Bucket=argv[1], Prefix=argv[2])
            print(dumps([u["UploadId"] for u in r.get("Uploads", [])]))
            """, arguments: [SharedBucket.name, prefix])
        return try JSONDecoder().decode([String].self, from: Data(printed.utf8))
    }

    /// Every file under the archive folder except `.partial`, relative to it, sorted.
    func archivedFiles() -> [String] {
        let archive = directory.file("archive")
        guard let walker = FileManager.default.enumerator(atPath: archive) else { return [] }
        var found: [String] = []
        while let next = walker.nextObject() as? String {
            if next.hasPrefix(".partial") { continue }
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: archive + "/" + next, isDirectory: &isDirectory), !isDirectory.boolValue {
                found.append(next)
            }
        }
        return found.sorted()
    }

    func partialFiles() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.file("archive/.partial"))) ?? []).sorted()
    }
}

/// Thread-safe notes from the observer's hooks (they run on pump and worker threads).
final class Notes<Value: Sendable>: @unchecked Sendable {
    // @unchecked: `values` is only touched under `lock`.
    private let lock = NSLock()
    private var values: [Value] = []
    func append(_ value: Value) { lock.lock(); values.append(value); lock.unlock() }
    var all: [Value] { lock.lock(); defer { lock.unlock() }; return values }
}

/// `sha256sum`'s hex as S3's checksum fields write it.
func base64OfHex(_ hex: String) -> String {
    var bytes: [UInt8] = []
    var index = hex.startIndex
    while index < hex.endIndex, let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex) {
        bytes.append(UInt8(hex[index..<next], radix: 16) ?? 0)
        index = next
    }
    return Data(bytes).base64EncodedString()
}

/// A TCP port on 127.0.0.1 that takes connections (the kernel's backlog) and never
/// answers: an object store that hangs.
final class SilentListener {
    let port: UInt16
    private let fd: Int32

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard fd >= 0, bound == 0, listen(fd, 16) == 0 else {
            if fd >= 0 { close(fd) }
            throw ProcessRunner.Failure(description: "cannot listen on 127.0.0.1: \(String(cString: strerror(errno)))")
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.fd = fd
        port = UInt16(bigEndian: address.sin_port)
    }

    deinit { close(fd) }

    var endpoint: String { "http://127.0.0.1:\(port)" }
}
