import Foundation
import HTTP
import TLS
import TestSupport
import Testing
import Transport
import URLPolicy
@testable import Downloader

/// The client on its own: what it connects to, what it sends, what it checks.
@Suite("HTTPS client")
struct HTTPSClientTests {
    private func client(policy: URLPolicy, connector: any SocketConnector = SystemSocketConnector(),
                        caFile: String? = nil) throws -> HTTPSClient {
        HTTPSClient(tls: try TLSClientContext(extraCAFile: caFile ?? TestCertificates.shared().caFile), policy: policy,
                    connector: connector, timeouts: .init(connectMilliseconds: 2000, readMilliseconds: 2000),
                    maxRedirects: 5, userAgent: "videohookd-test", receiveBufferBytes: 64 << 10)
    }

    private func loopbackPolicy() -> URLPolicy {
        URLPolicy(allowInternal: true, resolver: FixedHostResolver(addresses: [
            "files.test": [IPAddress(127, 0, 0, 1)], "wrong.test": [IPAddress(127, 0, 0, 1)],
            "untrusted.test": [IPAddress(127, 0, 0, 1)],
        ]))
    }

    private func body(of response: HTTPSResponse) throws -> [UInt8] {
        var bytes: [UInt8] = []
        try response.readBody { bytes.append(contentsOf: $0) }
        return bytes
    }

    private var farDeadline: UInt64 { MonotonicClock.nanoseconds() + 30_000_000_000 }

    @Test("it connects only to the addresses the policy checked, sends the URL's Host, and reads the body")
    func connectsToCheckedAddress() throws {
        let server = try FileServer.shared()
        let expected = try server.makeFile("client.bin", size: 300_000)
        let connector = LoopbackConnector(port: server.port)
        let checked = [IPAddress(93, 184, 216, 34), IPAddress(93, 184, 216, 35)]
        let policy = URLPolicy(allowInternal: false, resolver: FixedHostResolver(addresses: ["files.example.com": checked]))
        let key = uniqueKey("client")
        let response = try client(policy: policy, connector: connector)
            .get(server.url("client.bin", host: "files.example.com", query: "key=\(key)"), headers: [],
                 canceller: ConnectionCanceller(), deadline: farDeadline)
        #expect(response.head.status == 200 && response.contentLength == 300_000)
        let bytes = try body(of: response)
        let digest = SHA256Digest()
        digest.update(bytes)
        #expect(digest.finishHex() == expected)
        #expect(connector.addressesAsked == [checked[0]], "the first checked address answered; nothing else was tried")
        #expect(server.requests(key: key).first?.host == "files.example.com:\(server.port)")
    }

    @Test("an IP literal is checked against the certificate's IP addresses")
    func ipLiteral() throws {
        let server = try FileServer.shared()
        try server.makeFile("literal.bin", size: 1000)
        let response = try client(policy: loopbackPolicy())
            .get(server.url("literal.bin", host: "127.0.0.1"), headers: [], canceller: ConnectionCanceller(), deadline: farDeadline)
        #expect(try body(of: response).count == 1000)
    }

    @Test("a certificate from an unknown authority and one for another name are told apart")
    func certificateFailures() throws {
        let server = try FileServer.shared()
        let client = try client(policy: loopbackPolicy())
        #expect {
            _ = try client.get(server.url("x", host: "untrusted.test"), headers: [], canceller: ConnectionCanceller(),
                               deadline: farDeadline)
        } throws: { error in
            let failure = error as? DownloadFailure
            return failure?.kind == .temporary && failure?.reason.contains("certificate not trusted") == true
        }
        #expect {
            _ = try client.get(server.url("x", host: "wrong.test"), headers: [], canceller: ConnectionCanceller(),
                               deadline: farDeadline)
        } throws: { error in
            (error as? DownloadFailure)?.reason.contains("the certificate is not for wrong.test") == true
        }
    }

    @Test("without the tests' CA the server's certificate is not trusted, even for the right name")
    func systemTrustAloneRefuses() throws {
        let server = try FileServer.shared()
        let context = try TLSClientContext()
        let client = HTTPSClient(tls: context, policy: loopbackPolicy(), timeouts: .init(connectMilliseconds: 2000, readMilliseconds: 2000),
                                 maxRedirects: 5, userAgent: "t", receiveBufferBytes: 4096)
        #expect {
            _ = try client.get(server.url("x"), headers: [], canceller: ConnectionCanceller(), deadline: farDeadline)
        } throws: { error in
            (error as? DownloadFailure)?.reason.contains("certificate not trusted") == true
        }
    }

    @Test("a URL the policy refuses is never connected to; only a name that does not resolve is worth a retry")
    func refusedURLNotConnected() throws {
        let connector = LoopbackConnector(port: 1)
        let client = try client(policy: URLPolicy(allowInternal: false, resolver: FixedHostResolver(addresses: [:])),
                                connector: connector)
        for (url, kind) in [("https://127.0.0.1/x", DownloadFailure.Kind.permanent), ("http://files.example.com/x", .permanent),
                            ("https://nowhere.example.com/x", .temporary)] {
            #expect {
                _ = try client.get(url, headers: [], canceller: ConnectionCanceller(), deadline: farDeadline)
            } throws: { error in
                let failure = error as? DownloadFailure
                return failure?.kind == kind && failure?.reason.contains("refused by the URL policy") == true
            }
        }
        #expect(connector.addressesAsked.isEmpty)
    }

    @Test("a port nobody listens on is a temporary failure that names the address")
    func connectionRefused() throws {
        let policy = URLPolicy(allowInternal: true, resolver: FixedHostResolver(addresses: ["files.test": [IPAddress(127, 0, 0, 1)]]))
        #expect {
            _ = try client(policy: policy).get("https://files.test:1/x", headers: [], canceller: ConnectionCanceller(),
                                               deadline: farDeadline)
        } throws: { error in
            let failure = error as? DownloadFailure
            return failure?.kind == .temporary && failure?.reason.contains("127.0.0.1: Connection refused") == true
        }
    }

    @Test("a cancelled request stops instead of connecting")
    func cancelled() throws {
        let canceller = ConnectionCanceller()
        canceller.cancel()
        let server = try FileServer.shared()
        #expect {
            _ = try client(policy: loopbackPolicy()).get(server.url("x"), headers: [], canceller: canceller, deadline: farDeadline)
        } throws: { error in
            (error as? DownloadFailure)?.kind == .stopped
        }
    }

    @Test("an attempt past its time limit stops reading however steadily bytes come")
    func attemptDeadline() throws {
        let server = try FileServer.shared()
        try server.makeFile("slow.bin", size: 2 << 20)
        let response = try client(policy: loopbackPolicy())
            .get(server.url("slow.bin", query: "chunk_bytes=16384"), headers: [], canceller: ConnectionCanceller(),
                 deadline: MonotonicClock.nanoseconds() + 500_000_000)
        #expect {
            try response.readBody { _ in Thread.sleep(forTimeInterval: 0.01) }
        } throws: { error in
            (error as? DownloadFailure)?.reason.contains("longer than its time limit") == true
        }
    }
}
