import HTTP
import TLS
import Transport
import URLPolicy

/// Whole requests and answers over ``HTTPSClient``, with its TLS context made once: the
/// system's trust store plus an extra CA file, SNI, host-name check, one new connection
/// per request. For callers that send a small request and read a small answer (the
/// video API, webhook deliveries).
public final class HTTPSRequester: Sendable {
    private let client: HTTPSClient

    /// - Parameters:
    ///   - caFile: PEM certificates trusted besides the system's.
    ///   - caFileSetting: the setting that named it, for the error message.
    ///   - policy: judges each URL and gives the addresses to connect to.
    public init(caFile: String?, caFileSetting: String, policy: URLPolicy,
                connector: any SocketConnector = SystemSocketConnector(),
                connectTimeout: Duration = .seconds(10), readTimeout: Duration = .seconds(30),
                userAgent: String = "videohookd/1.0") throws(TLSError) {
        let tls = try TLSClientContext(extraCAFile: caFile, caFileSetting: caFileSetting)
        client = HTTPSClient(
            tls: tls, policy: policy, connector: connector,
            timeouts: .init(connectMilliseconds: connectTimeout.milliseconds,
                            readMilliseconds: readTimeout.milliseconds),
            userAgent: userAgent)
    }

    /// Sends one request and reads the whole answer, at most `maxResponseBytes` of body,
    /// within `timeout` from the first byte read.
    public func send(method: String, url: String, headers: HTTPHeaders, body: [UInt8], maxResponseBytes: Int,
                     timeout: Duration) throws(HTTPSSendFailure) -> (head: HTTPResponseHead, body: [UInt8]) {
        let deadline = MonotonicClock.nanoseconds() &+ UInt64(max(0, timeout.seconds) * 1e9)
        return try client.send(method: method, url: url, headers: headers, body: body,
                               maxResponseBytes: maxResponseBytes, deadline: deadline)
    }
}
