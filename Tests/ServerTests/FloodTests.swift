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
}
