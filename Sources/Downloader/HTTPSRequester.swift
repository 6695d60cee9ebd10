import HTTP
import TLS
import Transport
import URLPolicy

/// The downloader's HTTPS client for whole requests and answers, for the video API
/// client: the same sockets, TLS (system trust plus an extra CA file, SNI, host-name
/// check), response parser and URL policy, one new connection per request.
public final class HTTPSRequester: Sendable {
    private let tls: TLSClientContext
    private let policy: URLPolicy
    private let connectTimeout: Duration
    private let readTimeout: Duration
    private let userAgent: String

    /// - Parameters:
    ///   - caFile: PEM certificates trusted besides the system's.
    ///   - caFileSetting: the setting that named it, for the error message.
    ///   - policy: judges each URL and gives the addresses to connect to.
    public init(caFile: String?, caFileSetting: String = "api.ca_file", policy: URLPolicy,
                connectTimeout: Duration = .seconds(10), readTimeout: Duration = .seconds(30),
                userAgent: String = "videohookd/1.0") throws(DownloaderError) {
        do {
            tls = try TLSClientContext(extraCAFile: caFile)
        } catch {
            throw DownloaderError(error.message.replacingOccurrences(of: "download.ca_file", with: caFileSetting))
        }
        self.policy = policy
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
        self.userAgent = userAgent
    }

    /// Sends one request and reads the whole answer, at most `maxResponseBytes` of body,
    /// within `timeout` from the first byte read.
    public func send(method: String, url: String, headers: HTTPHeaders, body: [UInt8], maxResponseBytes: Int,
                     timeout: Duration) throws(HTTPSSendFailure) -> (head: HTTPResponseHead, body: [UInt8]) {
        let client = HTTPSClient(
            tls: tls, policy: policy,
            timeouts: .init(connectMilliseconds: connectTimeout.milliseconds, readMilliseconds: readTimeout.milliseconds),
            maxRedirects: 0, userAgent: userAgent, receiveBufferBytes: 64 << 10)
        let deadline = MonotonicClock.nanoseconds() &+ UInt64(max(0, timeout.seconds) * 1e9)
        return try client.send(method: method, url: url, headers: headers, body: body,
                               maxResponseBytes: maxResponseBytes, deadline: deadline)
    }
}
