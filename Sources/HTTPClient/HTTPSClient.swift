import Glibc
import HTTP
import TLS
import Transport
import URLPolicy

/// HTTPS on the project's own sockets and TLS, one new connection per request: what the
/// downloader, the video API client and every later outbound user share. Plain HTTP/1.1
/// over TCP too, for an `http` URL, which only a policy with `allowPlainHTTP` passes (the
/// operator's own webhook endpoints).
///
/// Every URL, the first and each redirect target, goes through the URL policy; the
/// client connects only to the addresses that check returned (no second lookup, so a
/// name cannot resolve to a public address for the check and an internal one for the
/// connection). SNI and the host-name check use the URL's name; an IP literal is
/// checked against the certificate's IP addresses. Redirects are the caller's to decide.
public final class HTTPSClient: Sendable {
    public struct Timeouts: Sendable {
        public var connectMilliseconds: Int32
        /// No data for this long fails the read.
        public var readMilliseconds: Int32
        /// A read that waits this long without data returns to its caller first (which
        /// saves its progress, then waits on), until `readMilliseconds` have passed.
        public var idleTickMilliseconds: Int32

        public init(connectMilliseconds: Int32, readMilliseconds: Int32, idleTickMilliseconds: Int32 = 1000) {
            self.connectMilliseconds = connectMilliseconds
            self.readMilliseconds = readMilliseconds
            self.idleTickMilliseconds = idleTickMilliseconds
        }
    }

    let tls: TLSClientContext
    let policy: URLPolicy
    let connector: any SocketConnector
    let timeouts: Timeouts
    let userAgent: String
    let receiveBufferBytes: Int

    public init(tls: TLSClientContext, policy: URLPolicy, connector: any SocketConnector = SystemSocketConnector(),
                timeouts: Timeouts, userAgent: String, receiveBufferBytes: Int = 64 << 10) {
        self.tls = tls
        self.policy = policy
        self.connector = connector
        self.timeouts = timeouts
        self.userAgent = userAgent
        self.receiveBufferBytes = receiveBufferBytes
    }

    /// Sends `GET url` with `headers`; returns the final response with its head read and
    /// its body not yet. Each 3xx with a `Location` goes to `redirect`, which decides.
    public func get(_ url: String, headers: [(String, String)], canceller: ConnectionCanceller, deadline: UInt64,
                    redirect: (Redirect) -> RedirectDecision) throws(HTTPClientFailure) -> HTTPSResponse {
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
                // caller's deadline bounds the retries. Every other rule is final.
                throw refusal.isTemporary || refusal.rule == .unresolvable ? .temporary(reason) : .permanent(reason)
            }
            let request = ClientRequest(method: "GET", url: checked, headers: headers, body: [], userAgent: userAgent)
            let connection = try connect(checked, canceller: canceller)
            try request.write(to: connection)
            let response = try HTTPSResponse.read(from: connection, url: checked, requestMethod: "GET",
                                                  bufferBytes: receiveBufferBytes, deadline: deadline)
            guard [301, 302, 303, 307, 308].contains(response.head.status) else { return response }
            guard let location = response.head.headers["Location"], !location.isEmpty else {
                response.close()
                throw .permanent("HTTP \(response.head.status) redirect without a Location header")
            }
            hops += 1
            let next = checked.absoluteURL(forRedirect: location)
            switch redirect(Redirect(from: current, to: next, hop: hops, status: response.head.status)) {
            case .returnResponse:
                return response
            case .refuse(let reason):
                response.close()
                throw .permanent(reason)
            case .follow:
                response.close()
                current = next
            }
        }
    }

    /// Connects to the checked addresses in order until one answers, then shakes hands
    /// (for `https`; an `http` URL the policy passed goes over the bare socket).
    func connect(_ url: CheckedURL, canceller: ConnectionCanceller) throws(HTTPClientFailure) -> ClientConnection {
        guard !url.addresses.isEmpty else {
            throw .temporary("no address for \(url.host): the name was not resolved")
        }
        var problems: [String] = []
        for address in url.addresses {
            if canceller.isCancelled { throw .cancelled }
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
                throw .cancelled
            }
            let transport: ClientTransport
            do {
                if url.usesTLS {
                    // SNI and the name check use the URL's name; an IP literal is checked
                    // against the certificate's IP addresses instead.
                    let serverName = url.serverName ?? url.host.description
                    transport = .tls(try TLSClientConnection(context: tls, fd: fd, serverName: serverName))
                } else {
                    transport = .plain(fd: fd)
                }
            } catch {
                canceller.close(fd)
                if canceller.isCancelled { throw .cancelled }
                throw .temporary(error.message)
            }
            // The handshake had the whole read timeout; from here reads wake every tick.
            let tick = min(timeouts.idleTickMilliseconds, timeouts.readMilliseconds)
            var wake = timeval(tv_sec: Int(tick / 1000), tv_usec: Int(tick % 1000) * 1000)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wake, socklen_t(MemoryLayout<timeval>.size))
            return ClientConnection(fd: fd, transport: transport, canceller: canceller,
                                    readTimeoutMilliseconds: timeouts.readMilliseconds, tickMilliseconds: tick)
        }
        throw .temporary("cannot connect to \(url.hostHeader): \(problems.joined(separator: "; "))")
    }
}
