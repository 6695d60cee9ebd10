import Foundation
import HTTP
import TLS
import TestSupport
import Testing
import Transport
import URLPolicy
@testable import HTTPClient

/// Plain HTTP/1.1 over TCP, for the `http` URLs a policy with `allowPlainHTTP` passes:
/// against a real server on loopback, with the same timeouts and cancellation as TLS.
@Suite("The client over plain http")
struct PlainHTTPClientTests {
    private func client(policy: URLPolicy, readMilliseconds: Int32 = 2000,
                        idleTickMilliseconds: Int32 = 1000) throws -> HTTPSClient {
        HTTPSClient(tls: try TLSClientContext(extraCAFile: TestCertificates.shared().caFile), policy: policy,
                    timeouts: .init(connectMilliseconds: 2000, readMilliseconds: readMilliseconds,
                                    idleTickMilliseconds: idleTickMilliseconds),
                    userAgent: "videohookd-test", receiveBufferBytes: 16 << 10)
    }

    /// The operator's own endpoint: plain http, internal addresses.
    private let operatorPolicy = URLPolicy(allowInternal: true, allowPlainHTTP: true, resolver: FixedHostResolver(addresses: [
        "hooks.test": [IPAddress(127, 0, 0, 1)], "files.test": [IPAddress(127, 0, 0, 1)],
        "untrusted.test": [IPAddress(127, 0, 0, 1)],
    ]))

    private var farDeadline: UInt64 { MonotonicClock.nanoseconds() + 30_000_000_000 }

    private func body(of response: HTTPSResponse) throws -> [UInt8] {
        var bytes: [UInt8] = []
        try response.readBody { (chunk) throws(HTTPClientFailure) in bytes.append(contentsOf: chunk) }
        return bytes
    }

    @Test("a GET over plain http reads the head and a body longer than the buffer")
    func getOverPlainHTTP() throws {
        let server = try PlainHTTPServer.shared()
        let response = try client(policy: operatorPolicy)
            .get("http://hooks.test:\(server.port)/bytes?size=100000", headers: [], canceller: ConnectionCanceller(),
                 deadline: farDeadline, redirect: { _ in .follow })
        #expect(response.url.scheme == "http" && !response.url.usesTLS)
        #expect(response.head.status == 200 && response.contentLength == 100_000)
        #expect(try body(of: response) == PlainHTTPServer.expectedBytes(100_000))
        #expect(!response.sentMoreThanDeclared(waitMilliseconds: 50))
    }

    @Test("a chunked answer over plain http is decoded")
    func chunked() throws {
        let server = try PlainHTTPServer.shared()
        let response = try client(policy: operatorPolicy)
            .get("http://127.0.0.1:\(server.port)/chunked", headers: [], canceller: ConnectionCanceller(),
                 deadline: farDeadline, redirect: { _ in .follow })
        #expect(String(decoding: try body(of: response), as: UTF8.self) == "hello, plain world")
    }

    @Test("send POSTs the head and body a webhook needs over plain http and reads the answer whole")
    func sendOverPlainHTTP() throws {
        let server = try PlainHTTPServer.shared()
        let body = Array(#"{"type":"video.archived","title":"café"}"#.utf8)
        let headers = HTTPHeaders([("webhook-id", "evt_1"), ("Content-Type", "application/json")])
        let answer = try client(policy: operatorPolicy)
            .send(method: "POST", url: "http://hooks.test:\(server.port)/echo?x=1", headers: headers, body: body,
                  maxResponseBytes: 10_000, deadline: farDeadline)
        #expect(answer.head.status == 200)
        let echo = try JSONDecoder().decode(PlainHTTPServer.Echo.self, from: Data(answer.body))
        #expect(echo.method == "POST" && echo.target == "/echo?x=1")
        #expect(echo.field("Host") == "hooks.test:\(server.port)")
        #expect(echo.field("webhook-id") == "evt_1")
        #expect(echo.field("Content-Type") == "application/json")
        #expect(echo.field("Content-Length") == String(body.count))
        #expect(echo.body_hex == body.map { String(format: "%02x", $0) }.joined())
    }

    @Test("a stalled plain http read wakes its caller every tick, then fails after the read timeout")
    func stallTimesOut() throws {
        let server = try PlainHTTPServer.shared()
        let response = try client(policy: operatorPolicy, readMilliseconds: 1200, idleTickMilliseconds: 200)
            .get("http://hooks.test:\(server.port)/stall", headers: [], canceller: ConnectionCanceller(),
                 deadline: farDeadline, redirect: { _ in .follow })
        var ticks = 0
        var received = 0
        #expect {
            try response.readBody(idle: { () throws(HTTPClientFailure) in ticks += 1 }) { (bytes) throws(HTTPClientFailure) in
                received += bytes.count
            }
        } throws: { error in
            let failure = error as? HTTPClientFailure
            return failure?.kind == .temporary && failure?.reason.contains("no data for the read timeout (1 s)") == true
        }
        #expect(received == 3)
        #expect(ticks >= 4, "the idle callback ran once per 200 ms tick: \(ticks)")
    }

    @Test("cancelling ends a stalled plain http read at once")
    func cancelStalledRead() throws {
        let server = try PlainHTTPServer.shared()
        let canceller = ConnectionCanceller()
        let response = try client(policy: operatorPolicy, readMilliseconds: 8000)
            .get("http://hooks.test:\(server.port)/stall", headers: [], canceller: canceller, deadline: farDeadline,
                 redirect: { _ in .follow })
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) { canceller.cancel() }
        let started = MonotonicClock.nanoseconds()
        #expect {
            try response.readBody { (_) throws(HTTPClientFailure) in }
        } throws: { error in
            (error as? HTTPClientFailure)?.kind == .cancelled
        }
        #expect(MonotonicClock.nanoseconds() - started < 4_000_000_000, "cancelled, not timed out")
    }

    @Test("without allowPlainHTTP an http URL is refused before any connection, for good")
    func refusedByDefault() throws {
        let server = try PlainHTTPServer.shared()
        let connector = LoopbackConnector(port: server.port)
        let strict = HTTPSClient(tls: try TLSClientContext(), policy: URLPolicy(allowInternal: true, resolver: nil),
                                 connector: connector, timeouts: .init(connectMilliseconds: 2000, readMilliseconds: 2000),
                                 userAgent: "t")
        #expect {
            _ = try strict.get("http://127.0.0.1:\(server.port)/bytes?size=1", headers: [], canceller: ConnectionCanceller(),
                               deadline: farDeadline, redirect: { _ in .follow })
        } throws: { error in
            let failure = error as? HTTPClientFailure
            return failure?.kind == .permanent && failure?.reason.contains("scheme-not-https") == true
        }
        #expect {
            _ = try strict.send(method: "POST", url: "http://127.0.0.1:\(server.port)/echo", headers: HTTPHeaders(),
                                body: [1], maxResponseBytes: 100, deadline: farDeadline)
        } throws: { error in
            let failure = error as? HTTPSSendFailure
            return failure?.requestMayHaveBeenSent == false && failure?.reason.contains("scheme-not-https") == true
        }
        #expect(connector.addressesAsked.isEmpty)
    }

    @Test("with plain http allowed, an https URL still has its certificate and name verified")
    func httpsStillVerifies() throws {
        let files = try FileServer.shared()
        try files.makeFile("plain-option.bin", size: 1000)
        let client = try client(policy: operatorPolicy)
        let good = try client.get(files.url("plain-option.bin"), headers: [], canceller: ConnectionCanceller(),
                                  deadline: farDeadline, redirect: { _ in .follow })
        #expect(good.url.usesTLS)
        #expect(try body(of: good).count == 1000)
        #expect {
            _ = try client.get(files.url("x", host: "untrusted.test"), headers: [], canceller: ConnectionCanceller(),
                               deadline: farDeadline, redirect: { _ in .follow })
        } throws: { error in
            (error as? HTTPClientFailure)?.reason.contains("certificate not trusted") == true
        }
        #expect {
            _ = try client.get(files.url("x", host: "hooks.test"), headers: [], canceller: ConnectionCanceller(),
                               deadline: farDeadline, redirect: { _ in .follow })
        } throws: { error in
            (error as? HTTPClientFailure)?.reason.contains("the certificate is not for hooks.test") == true
        }
    }
}
