import Foundation
@testable import Server
import Testing
import TestSupport
import Transport

/// A flood on loopback: the flooding client connects from 127.0.0.2 (the whole
/// 127.0.0.0/8 is loopback, so the server sees a second address), the real client from
/// 127.0.0.1.
@Suite("A connection flood from one address", .serialized)
struct FloodTests {
    @Test("past the per-address cap a connection from 127.0.0.2 is closed at accept, counted, logged once, while 127.0.0.1 is served")
    func perAddressCap() throws {
        let logs = LogCapture()
        let server = try TestServer(configuration: ServerConfiguration(handshakeTimeout: 30, headerTimeout: 30,
                                                                        maxConnectionsPerAddress: 4, loopCount: 2),
                                    logger: logs.logger)
        defer { server.stop() }
        var held: [TestClient] = []
        for _ in 0..<4 { held.append(try server.connectPlain(from: "127.0.0.2")) }
        #expect(server.waitForOpenConnections(4))

        // Over the cap: closed at once, never counted as open, nothing written to them.
        var over: [TestClient] = []
        for _ in 0..<6 { over.append(try server.connectPlain(from: "127.0.0.2")) }
        for client in over { #expect(client.isEndedByServer()) }
        #expect(server.server.openConnections == 4)
        #expect(server.drops.all == Array(repeating: .addressCap, count: 6))
        // One line for the six, naming the address and the cap.
        let lines = logs.events("connection.address_cap")
        #expect(lines.count == 1, "\(logs.text)")
        #expect(lines.first?.metadata["peer"] == "127.0.0.2")
        #expect(lines.first?.metadata["limit"] == "4")

        // Another address is served meanwhile, over TLS, from either loop.
        for _ in 0..<4 {
            let client = try server.connect()
            #expect(try client.get("/healthz").status == 200)
        }

        // One of the held closes: its address may open one more, and only one.
        held.removeFirst()
        #expect(server.waitForOpenConnections(3))
        let again = try server.connectPlain(from: "127.0.0.2")
        #expect(server.waitForOpenConnections(4))
        let refused = try server.connectPlain(from: "127.0.0.2")
        #expect(refused.isEndedByServer())
        #expect(server.server.openConnections == 4)
        #expect(server.drops.all.count == 7)
        _ = (held.count, again)
    }

    @Test("at the total cap a new connection displaces the one that has waited longest in its TLS handshake; with none left, 503")
    func displacementAtTheCap() throws {
        let server = try TestServer(configuration: ServerConfiguration(handshakeTimeout: 30, headerTimeout: 30, idleTimeout: 30,
                                                                        maxConnections: 4, maxConnectionsPerAddress: 100,
                                                                        loopCount: 1))
        defer { server.stop() }
        // Four slow handshakes fill the listener: two have said nothing, two have begun a
        // ClientHello and stopped.
        var slow: [TestClient] = []
        for index in 0..<4 {
            let client = try server.connectPlain(from: "127.0.0.2")
            if index % 2 == 1 { try client.send([0x16, 0x03, 0x01]) }
            slow.append(client)
            #expect(server.waitForOpenConnections(index + 1))
        }
        // Each real client is served, and takes the slot of the oldest slow one.
        var served: [TestClient] = []
        for index in 0..<4 {
            let client = try server.connect()
            #expect(try client.get("/healthz").status == 200)
            served.append(client)
            #expect(slow[index].isEndedByServer(), "slow connection \(index) should have been displaced")
            #expect(server.server.openConnections == 4)
        }
        #expect(server.drops.all == Array(repeating: .displaced, count: 4))
        // Every slot is through its handshake now: the cap answers 503 as before.
        let over = try server.connect()
        let answer = try over.get("/healthz")
        #expect(answer.status == 503)
        #expect(answer.headers["retry-after"] != nil)
        for client in served { #expect(try client.get("/healthz").status == 200) }
        #expect(server.drops.all.count == 4)
    }

    @Test("the queue of waiting handshakes skips connections that finished theirs: the oldest still waiting is displaced")
    func displacementSkipsFinishedHandshakes() throws {
        let server = try TestServer(configuration: ServerConfiguration(handshakeTimeout: 30, headerTimeout: 30, idleTimeout: 30,
                                                                        maxConnections: 3, maxConnectionsPerAddress: 100,
                                                                        loopCount: 1))
        defer { server.stop() }
        let early = try server.connect()
        #expect(try early.get("/healthz").status == 200)
        let slow = try server.connectPlain(from: "127.0.0.2")
        #expect(server.waitForOpenConnections(2))
        let later = try server.connect()
        #expect(try later.get("/healthz").status == 200)
        // Full: the newcomer displaces the slow one, not the older but finished `early`.
        let newcomer = try server.connect()
        #expect(try newcomer.get("/healthz").status == 200)
        #expect(slow.isEndedByServer())
        #expect(try early.get("/healthz").status == 200)
        #expect(server.drops.all == [.displaced])
    }

    /// A real ClientHello (Python's ssl module), sent one byte at a time, then the rest of
    /// the handshake and GET /healthz: prints the ClientHello's length and the status line.
    static let trickledHandshake = #"""
    import socket, ssl, sys, time
    port, cafile, delay = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
    context = ssl.create_default_context(cafile=cafile)
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname="localhost")
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    hello = outgoing.read()
    for byte in hello:
        sock.sendall(bytes([byte]))
        time.sleep(delay)
    while True:
        try:
            tls.do_handshake()
            break
        except ssl.SSLWantReadError:
            sock.sendall(outgoing.read())
            chunk = sock.recv(65536)
            if not chunk:
                sys.exit("closed during the handshake")
            incoming.write(chunk)
    tls.write(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    sock.sendall(outgoing.read())
    response = b""
    while True:
        try:
            data = tls.read(65536)
            if not data:
                break
            response += data
        except ssl.SSLWantReadError:
            chunk = sock.recv(65536)
            if not chunk:
                break
            incoming.write(chunk)
        except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
            break
    print(len(hello), response.split(b"\r\n")[0].decode())
    """#

    @Test("a ClientHello sent a byte at a time is gathered whole, and the handshake and request then go through")
    func trickledClientHello() throws {
        let server = try TestServer()
        defer { server.stop() }
        let output = try ProcessRunner.run("/usr/bin/python3", ["-c", Self.trickledHandshake, String(server.port),
                                                                server.certificate.certificateFile, "0.001"])
        let words = output.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ", maxSplits: 1)
        #expect(words.count == 2, "\(output)")
        #expect((words.first.flatMap { Int($0) } ?? 0) > 100, "a ClientHello of more than 100 bytes: \(output)")
        #expect(words.last == "HTTP/1.1 200 OK", "\(output)")
    }
}
