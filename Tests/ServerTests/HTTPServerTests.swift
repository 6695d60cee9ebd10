import Foundation
import HTTP
import Server
import TestSupport
import Testing
import TLS
import Transport
import COpenSSL
import Logging

@Suite("The HTTPS server on loopback, with real TLS handshakes")
struct HTTPServerTests {
    @Test("GET /healthz answers 200 over TLS 1.3 with ALPN http/1.1")
    func healthzOverTLS() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try server.connect()
        try client.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 200)
        #expect(response.text == #"{"status":"ok"}"#)
        #expect(client.tls?.protocolVersion == "TLSv1.3")
        #expect(client.tls?.alpnProtocol == "http/1.1")
    }

    @Test("one connection carries several requests (keep-alive)")
    func keepAliveReusesTheConnection() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try server.connect()
        for _ in 0..<5 {
            try client.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(response.headers["connection"] != "close")
        }
        #expect(server.server.openConnections == 1)
    }

    @Test("pipelined requests are answered in order, a slow one first")
    func pipelinedRequestsAnswerInOrder() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try server.connect()
        try client.send("GET /slow HTTP/1.1\r\nHost: localhost\r\n\r\n"
            + "POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nfirst"
            + "POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 6\r\n\r\nsecond")
        #expect(try client.readResponse().text == #"{"slow":true}"#)
        #expect(try client.readResponse().text == "first")
        #expect(try client.readResponse().text == "second")
    }

    @Test("a chunked body with a trailer arrives whole")
    func chunkedBody() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try server.connect()
        try client.send("POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Trailer: dropped\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 200)
        #expect(response.text == "hello, world")
    }

    @Test("Expect: 100-continue gets 100 before the body is sent")
    func expectContinue() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try server.connect()
        try client.send("POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
        let interim = try client.readResponse()
        #expect(interim.status == 100)
        try client.send("body")
        let response = try client.readResponse()
        #expect(response.status == 200)
        #expect(response.text == "body")
    }

    @Test("Expect: 100-continue with a body over the limit gets 413 and no 100")
    func expectContinueOverLimit() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try server.connect()
        try client.send("POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 99999999\r\nExpect: 100-continue\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 413)
        #expect(response.text.contains(#""code":413"#))
        #expect(client.readsEndOfStream())
    }

    @Test("HTTP/1.0 closes after the answer unless it asks for keep-alive")
    func http10() throws {
        let server = try TestServer()
        defer { server.stop() }
        let closing = try server.connect()
        try closing.send("GET /healthz HTTP/1.0\r\n\r\n")
        let first = try closing.readResponse()
        #expect(first.status == 200)
        #expect(first.headers["connection"] == "close")
        #expect(closing.readsEndOfStream())

        let keeping = try server.connect()
        for _ in 0..<2 {
            try keeping.send("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            let response = try keeping.readResponse()
            #expect(response.status == 200)
            #expect(response.headers["connection"]?.lowercased() == "keep-alive")
        }
    }

    @Test("a TLS 1.1 client is refused and the server keeps serving")
    func tls11IsRefused() throws {
        let server = try TestServer()
        defer { server.stop() }
        #expect(throws: TLSError.self) { _ = try server.connect(maxVersion: TLS1_1_VERSION) }
        let client = try server.connect()
        try client.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(try client.readResponse().status == 200)
    }

    @Test("TLS 1.2 is accepted, with an ECDHE suite")
    func tls12IsAccepted() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try server.connect(maxVersion: TLS1_2_VERSION)
        #expect(client.tls?.protocolVersion == "TLSv1.2")
        try client.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(try client.readResponse().status == 200)
    }

    @Test("a second connection resumes the TLS session")
    func sessionResumption() throws {
        let server = try TestServer()
        defer { server.stop() }
        let first = try server.connect()
        try first.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        _ = try first.readResponse() // TLS 1.3 tickets arrive after the handshake
        let session = try #require(first.tls?.session)
        let second = try server.connect(session: session)
        #expect(second.tls?.sessionReused == true)
    }

    @Test("TLS 1.3: one ticket per connection, and a chain of connections each resumes from the last")
    func oneTicketPerConnection() throws {
        let server = try TestServer()
        defer { server.stop() }
        // openssl s_client prints each handshake message it reads; a server with
        // OpenSSL's default would send two NewSessionTickets.
        let transcript = try ProcessRunner.run("/bin/sh", ["-c", """
            printf 'GET /healthz HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n' \
            | timeout 10 openssl s_client -connect 127.0.0.1:\(server.port) -tls1_3 -msg -quiet 2>&1
            """])
        #expect(transcript.components(separatedBy: "NewSessionTicket").count - 1 == 1, "\(transcript)")

        var previous = try server.connect()
        try previous.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        _ = try previous.readResponse()
        for _ in 0..<3 {
            let next = try server.connect(session: try #require(previous.tls?.session))
            #expect(next.tls?.sessionReused == true)
            try next.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            #expect(try next.readResponse().status == 200)
            previous = next
        }
    }

    @Test("a TLS 1.2 client resumes through a session ticket (no server-side cache)")
    func sessionResumptionTLS12() throws {
        let server = try TestServer()
        defer { server.stop() }
        let first = try server.connect(maxVersion: TLS1_2_VERSION)
        try first.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        _ = try first.readResponse()
        let session = try #require(first.tls?.session)
        let second = try server.connect(session: session, maxVersion: TLS1_2_VERSION)
        #expect(second.tls?.protocolVersion == "TLSv1.2")
        #expect(second.tls?.sessionReused == true)
    }

    @Test("plain HTTP sent to the TLS port gets a readable 400 and a close")
    func plainHTTPOnTLSPort() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try server.connectPlain()
        try client.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 400)
        #expect(response.text.contains("HTTPS"))
        #expect(client.readsEndOfStream())
        let good = try server.connect()
        try good.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(try good.readResponse().status == 200)
    }

    @Test("garbage and a client that drops mid-handshake close only their own connection")
    func garbageAndDroppedHandshakes() throws {
        let server = try TestServer()
        defer { server.stop() }
        let garbage = try server.connectPlain()
        try garbage.send([0x00, 0xff, 0x13, 0x37])
        #expect(garbage.isEndedByServer())
        // A TLS record header that promises a ClientHello and then hangs up.
        let dropped = try server.connectPlain()
        try dropped.send([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00])
        _ = consume dropped
        let good = try server.connect()
        try good.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(try good.readResponse().status == 200)
    }

    @Test("the event loop threads are named vh-loop-N, so top -H shows them")
    func loopThreadNames() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try server.connect()
        try client.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(try client.readResponse().status == 200)
        // A thread names itself when it first runs: on two cores busy with the suite's
        // other tests (the flood tests among them) the loop that did not serve this
        // request may not have run yet.
        var names: Set<String> = []
        let named = Polling.until(timeout: 10, every: 0.05) {
            names = ThreadNames.current()
            return names.contains("vh-loop-0") && names.contains("vh-loop-1")
        }
        #expect(named, "thread names: \(names.sorted())")
    }

    @Test("a closed connection leaves no entry behind in the event loops' epoll sets")
    func closedConnectionsLeaveEpoll() throws {
        // The server does not EPOLL_CTL_DEL before closing a connection's socket: the close
        // itself takes it out of every epoll set. An entry left behind would name a file
        // that is gone, whatever descriptor now has its number.
        let server = try TestServer()
        defer { server.stop() }
        // Only this server's loops: the epoll sets that watch its listener. Tests running
        // alongside have servers, and epoll sets, of their own.
        func watched() -> [EpollEntries.Entry] { EpollEntries.watching(listener: server.listenerFD) }
        let before = watched()
        #expect(before.count == 4, "2 loops, each watching the listener and its wake-up eventfd: \(before)")
        for _ in 0..<20 {
            let client = try server.connect()
            try client.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            #expect(try client.readResponse().status == 200)
            #expect(client.readsEndOfStream())
        }
        // The server closes its side once it reads the clients' end of stream.
        let deadline = Date().addingTimeInterval(5)
        var registered = watched()
        while registered.count > before.count || registered.contains(where: { !$0.isLive }), Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
            registered = watched()
        }
        let stale = registered.filter { !$0.isLive }
        #expect(stale.isEmpty, "entries whose file is gone: \(stale)")
        #expect(registered.count == before.count, "entries: \(registered)")
    }

    @Test("read interest stays on while a request is in flight, and turns off only when the client sends meanwhile")
    func readInterestWhileInFlight() throws {
        // Turning read interest off for every request in flight, and on again for its
        // answer, costs two epoll_ctl calls per request; it is turned off only when input
        // does arrive, so that level-triggered epoll does not report it again and again.
        let server = try TestServer(configuration: ServerConfiguration(headerTimeout: 2, bodyTimeout: 2, idleTimeout: 5,
                                                                       loopCount: 1))
        defer { server.stop() }
        func registered() -> UInt32? {
            EpollEntries.watching(listener: server.listenerFD).first { $0.fd != server.listenerFD && $0.isSocket }?.events
        }
        let client = try server.connect()
        try client.send("GET /held HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(server.held.waitForOne())
        #expect(registered().map { $0 & Epoll.Interest.readable.rawValue } == Epoll.Interest.readable.rawValue, "registered: \(String(describing: registered()))")

        try client.send("POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nafter")
        let deadline = Date().addingTimeInterval(5)
        while let events = registered(), events & Epoll.Interest.readable.rawValue != 0, Date() < deadline {
            Thread.sleep(forTimeInterval: 0.01)
        }
        #expect(registered().map { $0 & Epoll.Interest.readable.rawValue } == 0, "registered: \(String(describing: registered()))")

        server.held.release()
        #expect(try client.readResponse().text == #"{"held":true}"#)
        #expect(try client.readResponse().text == "after")
        #expect(registered().map { $0 & Epoll.Interest.readable.rawValue } == Epoll.Interest.readable.rawValue, "registered: \(String(describing: registered()))")
    }

    @Test("records read ahead into OpenSSL past a read round's end are still read, with no new bytes to wake epoll")
    func readAheadRecordsAreNotStranded() throws {
        // One read(2) takes every record the socket holds (read-ahead), but a connection
        // decrypts at most 8 records per turn. Here the whole request waits in the socket
        // while another is in flight, in 12 small records: the turn after the answer reads
        // them all at once and decrypts 8; the rest sit in OpenSSL's buffer, which epoll
        // cannot see, and no more bytes will come.
        let server = try TestServer(configuration: ServerConfiguration(headerTimeout: 2, bodyTimeout: 2, idleTimeout: 5,
                                                                       loopCount: 1))
        defer { server.stop() }
        let client = try server.connect()
        try client.send("GET /held HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(server.held.waitForOne())
        let body = (0..<11).map { "part-\($0);" }
        try client.send("POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: \(body.joined().utf8.count)\r\n\r\n")
        for part in body { try client.send(part) }  // one TLS record each
        Thread.sleep(forTimeInterval: 0.1)  // all of it in the server's socket
        server.held.release()
        #expect(try client.readResponse().text == #"{"held":true}"#)
        let echo = try client.readResponse()
        #expect(echo.status == 200)
        #expect(echo.text == body.joined())
        #expect(server.refusals.statuses.isEmpty, "refused: \(server.refusals.statuses)")
    }

    @Test("an event loop held up by a handler is reported as not responsive, and as responsive once it goes round")
    func stuckLoopIsReported() throws {
        // The watchdog's ping and /readyz's listener check both ask this.
        let server = try TestServer(configuration: ServerConfiguration(headerTimeout: 5, bodyTimeout: 5, idleTimeout: 5,
                                                                       loopCount: 1))
        defer { server.stop() }
        #expect(server.server.loopsAreResponsive(within: 1))
        let client = try server.connect()
        try client.send("GET /hold-the-loop HTTP/1.1\r\nHost: localhost\r\n\r\n")
        Thread.sleep(forTimeInterval: 0.8)  // the handler blocks the loop for 2 s
        #expect(!server.server.loopsAreResponsive(within: 0.5))
        #expect(try client.readResponse().status == 200)
        Thread.sleep(forTimeInterval: 0.4)  // an idle loop still goes round every 250 ms
        #expect(server.server.loopsAreResponsive(within: 1))
    }

    @Test("a client that waits after connecting before its ClientHello is still served")
    func lateClientHello() throws {
        // The server looks for the ClientHello as soon as it accepts; finding nothing yet,
        // it must wait for the bytes rather than take the empty socket for a closed one.
        let server = try TestServer()
        defer { server.stop() }
        let fd = try SystemSocket.connect(to: SocketAddress(parsing: "127.0.0.1:\(server.port)"), timeoutMilliseconds: 2000,
                                          ioTimeoutMilliseconds: 5000)
        Thread.sleep(forTimeInterval: 0.3)
        let context = try TLSClientContext(extraCAFile: server.certificate.certificateFile, useSystemTrust: false)
        let tls = try TLSClientConnection(context: context, fd: fd, serverName: "localhost", resuming: nil)
        let client = TestClient(fd: fd, tls: tls)
        try client.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(try client.readResponse().status == 200)
    }

    @Test("a stalled request head is cut with 408 while another client is served")
    func stalledClientTimesOut() throws {
        let server = try TestServer(configuration: ServerConfiguration(headerTimeout: 1, bodyTimeout: 1, idleTimeout: 5, loopCount: 1))
        defer { server.stop() }
        let stalled = try server.connect()
        try stalled.send("GET /healthz HTTP/1.1\r\nHo")
        let other = try server.connect()
        try other.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(try other.readResponse().status == 200)
        let response = try stalled.readResponse()
        #expect(response.status == 408)
        #expect(stalled.readsEndOfStream())
        #expect(server.refusals.statuses.contains(408))
    }

    @Test("a body sent a byte at a time past the body timeout gets 408")
    func slowBodyTimesOut() throws {
        let server = try TestServer(configuration: ServerConfiguration(headerTimeout: 1, bodyTimeout: 1, idleTimeout: 5, loopCount: 1))
        defer { server.stop() }
        let client = try server.connect()
        try client.send("POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n")
        for _ in 0..<6 {
            try client.send("x")
            Thread.sleep(forTimeInterval: 0.3)
        }
        #expect(try client.readResponse().status == 408)
    }

    @Test("a connection that never sends a byte is closed after the handshake timeout")
    func silentConnectionIsClosed() throws {
        let server = try TestServer(configuration: ServerConfiguration(handshakeTimeout: 1, headerTimeout: 10, bodyTimeout: 1,
                                                                        idleTimeout: 5, loopCount: 1))
        defer { server.stop() }
        let silent = try server.connectPlain()
        let started = Date()
        #expect(silent.readsEndOfStream())
        #expect(Date().timeIntervalSince(started) < 4.5)
    }

    @Test("500 idle connections stay open while a real request is answered")
    func manyIdleConnections() throws {
        let server = try TestServer(configuration: ServerConfiguration(handshakeTimeout: 30, headerTimeout: 30, bodyTimeout: 30,
                                                                        idleTimeout: 60, maxConnectionsPerAddress: 1000,
                                                                        loopCount: 2))
        defer { server.stop() }
        var idle: [TestClient] = []
        for _ in 0..<500 { idle.append(try server.connectPlain()) }
        let client = try server.connect()
        try client.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(try client.readResponse().status == 200)
        // A loop counts a connection just after accepting it; on a loaded machine the
        // other loop can answer the last client before that count, so wait for it.
        let deadline = Date().addingTimeInterval(3)
        while server.server.openConnections < 501 && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        #expect(server.server.openConnections >= 501)
        _ = idle.count
    }

    @Test("over the connection cap, with every slot through its handshake, a new connection gets 503 with Retry-After")
    func connectionCap() throws {
        let server = try TestServer(configuration: ServerConfiguration(headerTimeout: 5, bodyTimeout: 5, idleTimeout: 5,
                                                                        maxConnections: 3, loopCount: 1))
        defer { server.stop() }
        var held: [TestClient] = []
        for _ in 0..<3 {
            let client = try server.connect()
            #expect(try client.get("/healthz").status == 200)
            held.append(client)
        }
        let over = try server.connect()
        try over.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        let response = try over.readResponse()
        #expect(response.status == 503)
        #expect(response.headers["retry-after"] != nil)
        #expect(over.readsEndOfStream())
        held.removeAll()
    }

    @Test("unknown paths answer 404, a known path with the wrong method 405 with Allow, in the API's error shape")
    func routing() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try server.connect()
        try client.send("GET /nope HTTP/1.1\r\nHost: localhost\r\n\r\n")
        let missing = try client.readResponse()
        #expect(missing.status == 404)
        #expect(missing.text.contains(#""code":404"#))
        try client.send("GET /callbacks/secret HTTP/1.1\r\nHost: localhost\r\n\r\n")
        let wrongMethod = try client.readResponse()
        #expect(wrongMethod.status == 405)
        #expect(wrongMethod.headers["allow"] == "POST")
        try client.send("POST /callbacks/wrong HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\n{}")
        #expect(try client.readResponse().status == 404)
        try client.send("POST /callbacks/secret HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\n{}")
        #expect(try client.readResponse().status == 202)
    }

    @Test("a smuggling attempt (Content-Length with Transfer-Encoding) gets 400 and a close")
    func smugglingIsRefused() throws {
        let server = try TestServer()
        defer { server.stop() }
        let client = try server.connect()
        try client.send("POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 400)
        #expect(response.headers["connection"] == "close")
        #expect(client.readsEndOfStream())
    }

    @Test("an invalid Host and an invalid chunk extension get 400, the reason, and a close")
    func invalidHostAndChunkExtensionAreRefused() throws {
        let server = try TestServer()
        defer { server.stop() }
        let cases: [(request: String, reason: String)] = [
            ("GET /healthz HTTP/1.1\r\nHost: localhost:http\r\n\r\n",
             "invalid Host header: the port is not a number"),
            ("POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5;a=\"x\r\nhello\r\n0\r\n\r\n",
             "invalid chunk extension (RFC 9112 §7.1.1): a quoted-string is not closed"),
        ]
        for (request, reason) in cases {
            let client = try server.connect()
            // A valid request first: the refusal must close a connection that was in use.
            try client.send("GET /healthz HTTP/1.1\r\nHost: localhost:8443\r\n\r\n")
            #expect(try client.readResponse().status == 200)
            try client.send(request)
            let response = try client.readResponse()
            #expect(response.status == 400, "\(reason)")
            #expect(response.headers["connection"] == "close")
            #expect(response.text.contains(reason), "\(response.text)")
            #expect(client.readsEndOfStream())
        }
        #expect(server.refusals.statuses == [400, 400])
    }

    @Test("the limits answer with their own status: 414, 431, 413, 411")
    func limits() throws {
        let limits = HTTPLimits(maxURIBytes: 100, maxHeaderBytes: 1024, maxHeaderCount: 10, maxBodyBytes: 64)
        let server = try TestServer(configuration: ServerConfiguration(limits: limits, headerTimeout: 2, bodyTimeout: 2, idleTimeout: 5, loopCount: 1))
        defer { server.stop() }
        let cases: [(String, Int)] = [
            ("GET /\(String(repeating: "a", count: 200)) HTTP/1.1\r\nHost: x\r\n\r\n", 414),
            ("GET / HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "b", count: 2000))\r\n\r\n", 431),
            ("GET / HTTP/1.1\r\nHost: x\r\n" + (0..<20).map { "X-\($0): y\r\n" }.joined() + "\r\n", 431),
            ("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 65\r\n\r\n" + String(repeating: "c", count: 65), 413),
            ("POST /echo HTTP/1.1\r\nHost: x\r\n\r\n", 411),
        ]
        for (request, status) in cases {
            let client = try server.connect()
            try client.send(request)
            let response = try client.readResponse()
            #expect(response.status == status, "\(request.prefix(40))")
            #expect(response.text.contains("\"code\":\(status)"))
        }
    }

    @Test("an IPv6 listener serves as the IPv4 one does")
    func ipv6Listener() throws {
        let directory = TemporaryDirectory(prefix: "videohookd-v6")
        let files = try SelfSignedCertificate.ensure(in: directory.path, hostNames: ["localhost"])
        let store = TLSContextStore(try TLSServerContext(certificateFile: files.certificateFile, keyFile: files.keyFile))
        var router = Router()
        router.add("GET", "/healthz") { _, context, respond in
            respond(.json(status: 200, #"{"peer":"\#(context.peerDescription)"}"#))
        }
        let fd = try SystemSocket.listen(on: SocketAddress(parsing: "[::1]:0"))
        let port = try SystemSocket.localAddress(fd).port
        let server = HTTPServer(logger: Logger(label: "test"))
        try server.start(listeners: [ServerListener(fd: fd, tls: store, router: router, name: "v6")])
        defer { server.shutdown(); server.wait(); SystemSocket.close(fd) }
        let socket = try SystemSocket.connect(to: SocketAddress(parsing: "[::1]:\(port)"), timeoutMilliseconds: 2000,
                                              ioTimeoutMilliseconds: 5000)
        let context = try TLSClientContext(extraCAFile: files.certificateFile, useSystemTrust: false)
        let client = TestClient(fd: socket, tls: try TLSClientConnection(context: context, fd: socket, serverName: "localhost"))
        let response = try client.get("/healthz")
        #expect(response.status == 200)
        #expect(response.text.contains("[::1]:"))
    }

    @Test("the plain listener (admin) serves HTTP without TLS")
    func plainListener() throws {
        let server = try TestServer(tls: false)
        defer { server.stop() }
        let client = try server.connectPlain()
        try client.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(try client.readResponse().status == 200)
    }

    @Test("shutdown answers the request in flight, with Connection: close")
    func gracefulShutdown() throws {
        let server = try TestServer()
        let client = try server.connect()
        try client.send("GET /slow HTTP/1.1\r\nHost: localhost\r\n\r\n")
        Thread.sleep(forTimeInterval: 0.1)
        server.server.shutdown()
        let response = try client.readResponse()
        #expect(response.status == 200)
        #expect(response.headers["connection"] == "close")
        server.server.wait()
        SystemSocket.close(server.listenerFD)
    }

    @Test("curl, as an outside client, gets answers over HTTPS with keep-alive")
    func curlClient() throws {
        let server = try TestServer()
        defer { server.stop() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        let url = "https://localhost:\(server.port)"
        process.arguments = ["-sS", "--cacert", server.certificate.certificateFile,
                             "--resolve", "localhost:\(server.port):127.0.0.1",
                             "-w", "%{http_code} %{num_connects}\\n",
                             "\(url)/healthz", "-o", "/dev/null",
                             "--next", "--cacert", server.certificate.certificateFile,
                             "--resolve", "localhost:\(server.port):127.0.0.1",
                             "-H", "Content-Type: application/json", "--data", #"{"id":"x"}"#,
                             "-w", "%{http_code} %{num_connects}\\n", "\(url)/callbacks/secret", "-o", "/dev/null"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        // The second transfer reuses the first connection: 0 new connects.
        #expect(output == "200 1\n202 0\n")
    }
}

/// What epoll sets watch, read from /proc/self/fdinfo: each entry's descriptor number and
/// the inode it was registered with.
struct EpollEntries {
    struct Entry: CustomStringConvertible {
        let fd: Int32
        let inode: UInt64
        /// The registered event mask (EPOLLIN, EPOLLOUT, ...; the kernel adds ERR and HUP).
        let events: UInt32
        var isSocket: Bool {
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)"))?.hasPrefix("socket:") == true
        }
        /// The descriptor is open and is still the file that was registered.
        var isLive: Bool {
            var info = stat()
            return stat("/proc/self/fd/\(fd)", &info) == 0 && UInt64(info.st_ino) == inode
        }
        var description: String { "fd \(fd) inode \(inode)" }
    }

    /// The entries of every epoll set in this process that watches `listener`.
    static func watching(listener: Int32) -> [Entry] {
        var info = stat()
        guard fstat(listener, &info) == 0 else { return [] }
        let listenerInode = UInt64(info.st_ino)
        let sets = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fdinfo")) ?? []).map(entries(ofSet:))
        return sets.filter { $0.contains { $0.fd == listener && $0.inode == listenerInode } }.flatMap { $0 }
    }

    /// The entries listed in /proc/self/fdinfo/<fd>; none when the descriptor is not epoll.
    private static func entries(ofSet fd: String) -> [Entry] {
        guard let text = try? String(contentsOfFile: "/proc/self/fdinfo/\(fd)", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line -> Entry? in
            // "tfd:        5 events:       19 data:  ...  pos:0 ino:f1724 sdev:9"
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.first == "tfd:", fields.count > 3, let target = Int32(fields[1]),
                  fields[2] == "events:", let events = UInt32(fields[3], radix: 16),
                  let ino = fields.first(where: { $0.hasPrefix("ino:") }),
                  let inode = UInt64(ino.dropFirst(4), radix: 16) else { return nil }
            return Entry(fd: target, inode: inode, events: events)
        }
    }
}
