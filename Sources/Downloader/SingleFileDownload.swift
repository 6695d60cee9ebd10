import Archive
import Foundation
import Glibc
import Hashing
import HTTPClient
import Logging
import TLS
import Transport
import URLPolicy

/// One file fetched the way a job fetches its video (same client, same checks, same
/// streaming writer and SHA-256), outside the queue: for `videohookd download-bench` and
/// for measuring the downloader against other clients.
public enum SingleFileDownload {
    public struct Result: Sendable {
        public var bytes: Int64
        public var sha256: String
        public var seconds: Double
        public var contentType: String?
    }

    /// Downloads `url` to `path` (through `path.part`, fsynced, renamed).
    public static func run(url: String, to path: String, configuration: DownloaderConfiguration, policy: URLPolicy,
                           logger: Logger) throws(DownloaderError) -> Result {
        Glibc.signal(SIGPIPE, SIG_IGN)
        let tls: TLSClientContext
        do {
            tls = try TLSClientContext(extraCAFile: configuration.caFile)
        } catch {
            throw DownloaderError(error.message)
        }
        let canceller = ConnectionCanceller()
        let client = HTTPSClient(
            tls: tls, policy: policy,
            timeouts: .init(connectMilliseconds: configuration.connectTimeout.milliseconds,
                            readMilliseconds: configuration.readTimeout.milliseconds),
            userAgent: configuration.userAgent,
            receiveBufferBytes: configuration.receiveBufferBytes)
        let fetcher = FileFetcher(client: client, configuration: configuration, canceller: canceller, logger: logger)
        let started = MonotonicClock.nanoseconds()
        do {
            let file = try PartialFile(path: path + ".part", direct: configuration.writesDirect)
            try file.truncate(to: 0)
            let writer = PartialFileWriter(file: file, digest: SHA256Digest(), bufferBytes: configuration.writeBufferBytes)
            let fetched = try fetcher.fetch(FetchPlan(url: url, rule: .video, resume: nil, label: "file"), into: writer,
                                            hooks: FileFetcher.Hooks())
            file.close()
            try ArchiveFileSystem.moveIntoPlace(path + ".part", to: path)
            return Result(bytes: fetched.bytes, sha256: fetched.sha256,
                          seconds: Double(MonotonicClock.nanoseconds() - started) / 1e9,
                          contentType: fetched.facts.contentType)
        } catch {
            try? ArchiveFileSystem.remove(path + ".part")
            throw DownloaderError("\(error)")
        }
    }
}
