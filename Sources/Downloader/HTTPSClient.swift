import Glibc
import HTTP
import TLS
import Transport
import URLPolicy

/// GET over HTTPS on the project's own sockets and TLS, for one worker at a time.
///
/// Every URL, the first and each redirect target, goes through the URL policy; the
/// client connects only to the addresses that check returned (no second lookup, so a
/// name cannot resolve to a public address for the check and an internal one for the
/// connection). SNI and the host-name check use the URL's name; an IP literal is
/// checked against the certificate's IP addresses. At most `maxRedirects` redirects.
final class HTTPSClient {
    struct Timeouts {
        var connectMilliseconds: Int32
        /// No data for this long fails the read.
        var readMilliseconds: Int32
        /// A read that waits this long without data returns to its caller first (which
        /// saves its progress, then waits on), until `readMilliseconds` have passed.
        var idleTickMilliseconds: Int32 = 1000
    }

    let tls: TLSClientContext
    let policy: URLPolicy
    let connector: any SocketConnector
    let timeouts: Timeouts
    let maxRedirects: Int
    let userAgent: String
    let receiveBufferBytes: Int

    init(tls: TLSClientContext, policy: URLPolicy, connector: any SocketConnector = SystemSocketConnector(),
         timeouts: Timeouts, maxRedirects: Int, userAgent: String, receiveBufferBytes: Int) {
        self.tls = tls
        self.policy = policy
        self.connector = connector
        self.timeouts = timeouts
        self.maxRedirects = maxRedirects
        self.userAgent = userAgent
        self.receiveBufferBytes = receiveBufferBytes
    }

    /// Sends `GET url` with `headers` and follows redirects; returns the final response
    /// with its head read and its body not yet. `onRedirect(from, to, hop)` sees each hop.
    func get(_ url: String, headers: [(String, String)], canceller: ConnectionCanceller, deadline: UInt64,
             onRedirect: (String, String, Int) -> Void = { _, _, _ in }) throws(DownloadFailure) -> HTTPSResponse {
        var current = url
        var hops = 0
        while true {
            let checked: CheckedURL
            switch policy.check(current) {
            case .success(let value):
                checked = value
            case .failure(let refusal):
                let what = hops == 0 ? "the URL" : "redirect \(hops) to \(LoggableURL.withoutQuery(current))"
                let reason = "\(what) is refused by the URL policy: \(refusal)"
                // A CDN name that does not resolve now may resolve in a minute; the
                // link's expiry bounds the retries. Every other rule is final.
                throw refusal.isTemporary || refusal.rule == .unresolvable ? .temporary(reason) : .permanent(reason)
            }
            let response = try exchange(checked, headers: headers, canceller: canceller, deadline: deadline)
            guard [301, 302, 303, 307, 308].contains(response.head.status) else { return response }
            response.close()
            guard let location = response.head.headers["Location"], !location.isEmpty else {
                throw .permanent("HTTP \(response.head.status) redirect without a Location header")
            }
            hops += 1
            if hops > maxRedirects {
                throw .permanent("more than \(maxRedirects) redirects (the last to \(LoggableURL.withoutQuery(location)))")
            }
            let next = checked.absoluteURL(forRedirect: location)
            onRedirect(current, next, hops)
            current = next
        }
    }

    /// One request on one new connection.
    private func exchange(_ url: CheckedURL, headers: [(String, String)], canceller: ConnectionCanceller,
                          deadline: UInt64) throws(DownloadFailure) -> HTTPSResponse {
        let connection = try connect(url, canceller: canceller)
        do throws(DownloadFailure) {
            var request = "GET \(url.pathAndQuery) HTTP/1.1\r\nHost: \(url.hostHeader)\r\n"
            request += "User-Agent: \(userAgent)\r\nAccept: */*\r\nAccept-Encoding: identity\r\nConnection: close\r\n"
            for (name, value) in headers { request += "\(name): \(value)\r\n" }
            request += "\r\n"
            do {
                try connection.tls.write(Array(request.utf8))
            } catch {
                throw connection.failure(error, doing: "sending the request to \(url.hostHeader)")
            }
            return try HTTPSResponse.read(from: connection, url: url, bufferBytes: receiveBufferBytes, deadline: deadline)
        } catch {
            connection.close()
            throw error
        }
    }

    /// Connects to the checked addresses in order until one answers, then shakes hands.
    /// Internal, not private: `send` (HTTPSClient+Send.swift, the video API's calls) uses it too.
    func connect(_ url: CheckedURL, canceller: ConnectionCanceller) throws(DownloadFailure) -> ClientConnection {
        guard !url.addresses.isEmpty else {
            throw .temporary("no address for \(url.host): the name was not resolved")
        }
        var problems: [String] = []
        for address in url.addresses {
            if canceller.isCancelled { throw .stopped }
            let fd: Int32
            do {
                fd = try connector.connect(to: address, port: url.port, timeoutMilliseconds: timeouts.connectMilliseconds,
                                           ioTimeoutMilliseconds: timeouts.readMilliseconds)
            } catch {
                problems.append("\(address): \(error.errno == ETIMEDOUT ? "timed out" : error.reason)")
                continue
            }
            guard canceller.attach(fd) else {
                Glibc.close(fd)
                throw .stopped
            }
            // SNI and the name check use the URL's name; an IP literal is checked
            // against the certificate's IP addresses instead.
            let serverName = url.serverName ?? url.host.description
            do {
                let session = try TLSClientConnection(context: tls, fd: fd, serverName: serverName)
                // The handshake had the whole read timeout; from here reads wake every tick.
                let tick = min(timeouts.idleTickMilliseconds, timeouts.readMilliseconds)
                var wake = timeval(tv_sec: Int(tick / 1000), tv_usec: Int(tick % 1000) * 1000)
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wake, socklen_t(MemoryLayout<timeval>.size))
                return ClientConnection(fd: fd, tls: session, canceller: canceller,
                                        readTimeoutMilliseconds: timeouts.readMilliseconds, tickMilliseconds: tick)
            } catch {
                canceller.close(fd)
                if canceller.isCancelled { throw .stopped }
                throw .temporary(error.message)
            }
        }
        throw .temporary("cannot connect to \(url.hostHeader): \(problems.joined(separator: "; "))")
    }
}

/// One TLS connection of the client, closed exactly once.
final class ClientConnection {
    let fd: Int32
    let tls: TLSClientConnection
    private let canceller: ConnectionCanceller
    private let readTimeoutMilliseconds: Int32
    private let tickMilliseconds: Int32
    private var closed = false

    init(fd: Int32, tls: TLSClientConnection, canceller: ConnectionCanceller, readTimeoutMilliseconds: Int32,
         tickMilliseconds: Int32) {
        self.fd = fd
        self.tls = tls
        self.canceller = canceller
        self.readTimeoutMilliseconds = readTimeoutMilliseconds
        self.tickMilliseconds = tickMilliseconds
    }

    /// Reads what comes; 0 at the end of the stream. While nothing comes, calls `idle`
    /// once per tick (a download saves its progress there), and fails once the read
    /// timeout has passed with no byte.
    func read(into buffer: UnsafeMutableRawBufferPointer, doing what: @autoclosure () -> String,
              idle: () throws(DownloadFailure) -> Void = {}) throws(DownloadFailure) -> Int {
        var waited: Int32 = 0
        while true {
            do {
                return try tls.read(into: buffer)
            } catch where error.kind == .timeout && !canceller.isCancelled {
                waited += tickMilliseconds
                if waited >= readTimeoutMilliseconds {
                    throw .temporary("\(what()): no data for the read timeout (\(readTimeoutMilliseconds / 1000) s)")
                }
                try idle()
            } catch {
                throw failure(error, doing: what())
            }
        }
    }

    deinit { close() }

    func close() {
        guard !closed else { return }
        closed = true
        canceller.close(fd)
    }

    /// A socket or TLS error as a failure: `stopped` when `stop()` caused it.
    func failure(_ error: TLSError, doing what: String) -> DownloadFailure {
        if canceller.isCancelled { return .stopped }
        if error.kind == .timeout { return .temporary("\(what): no data for the read timeout (\(error.message))") }
        return .temporary("\(what): \(error.message)")
    }

    var isCancelled: Bool { canceller.isCancelled }
}
