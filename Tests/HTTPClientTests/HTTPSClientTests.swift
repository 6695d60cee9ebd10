import Foundation
import Hashing
import HTTP
import TLS
import TestSupport
import Testing
import Transport
import URLPolicy
@testable import HTTPClient

/// The client on its own: what it connects to, what it sends, what it checks.
@Suite("HTTPS client")
struct HTTPSClientTests {
    private func client(policy: URLPolicy, connector: any SocketConnector = SystemSocketConnector(),
                        caFile: String? = nil) throws -> HTTPSClient {
        HTTPSClient(tls: try TLSClientContext(extraCAFile: caFile ?? TestCertificates.shared().caFile), policy: policy,
                    connector: connector, timeouts: .init(connectMilliseconds: 2000, readMilliseconds: 2000),
                    userAgent: "videohookd-test", receiveBufferBytes: 64 << 10)
    }

    private func loopbackPolicy() -> URLPolicy {
        URLPolicy(allowInternal: true, resolver: FixedHostResolver(addresses: [
            "files.test": [IPAddress(127, 0, 0, 1)], "wrong.test": [IPAddress(127, 0, 0, 1)],
            "untrusted.test": [IPAddress(127, 0, 0, 1)],
        ]))
    }

    private func body(of response: HTTPSResponse) throws -> [UInt8] {
        var bytes: [UInt8] = []
        try response.readBody { (chunk) throws(HTTPClientFailure) in bytes.append(contentsOf: chunk) }
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
                 canceller: ConnectionCanceller(), deadline: farDeadline, redirect: { _ in .follow })
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
            .get(server.url("literal.bin", host: "127.0.0.1"), headers: [], canceller: ConnectionCanceller(), deadline: farDeadline, redirect: { _ in .follow })
        #expect(try body(of: response).count == 1000)
    }

    @Test("a certificate from an unknown authority and one for another name are told apart")
    func certificateFailures() throws {
        let server = try FileServer.shared()
        let client = try client(policy: loopbackPolicy())
        #expect {
            _ = try client.get(server.url("x", host: "untrusted.test"), headers: [], canceller: ConnectionCanceller(),
                               deadline: farDeadline, redirect: { _ in .follow })
        } throws: { error in
            let failure = error as? HTTPClientFailure
            return failure?.kind == .temporary && failure?.reason.contains("certificate not trusted") == true
        }
        #expect {
            _ = try client.get(server.url("x", host: "wrong.test"), headers: [], canceller: ConnectionCanceller(),
                               deadline: farDeadline, redirect: { _ in .follow })
        } throws: { error in
            (error as? HTTPClientFailure)?.reason.contains("the certificate is not for wrong.test") == true
        }
    }

    @Test("without the tests' CA the server's certificate is not trusted, even for the right name")
    func systemTrustAloneRefuses() throws {
        let server = try FileServer.shared()
        let context = try TLSClientContext()
        let client = HTTPSClient(tls: context, policy: loopbackPolicy(), timeouts: .init(connectMilliseconds: 2000, readMilliseconds: 2000),
                                 userAgent: "t", receiveBufferBytes: 4096)
        #expect {
            _ = try client.get(server.url("x"), headers: [], canceller: ConnectionCanceller(), deadline: farDeadline, redirect: { _ in .follow })
        } throws: { error in
            (error as? HTTPClientFailure)?.reason.contains("certificate not trusted") == true
        }
    }

    @Test("a URL the policy refuses is never connected to; only a name that does not resolve is worth a retry")
    func refusedURLNotConnected() throws {
        let connector = LoopbackConnector(port: 1)
        let client = try client(policy: URLPolicy(allowInternal: false, resolver: FixedHostResolver(addresses: [:])),
                                connector: connector)
        for (url, kind) in [("https://127.0.0.1/x", HTTPClientFailure.Kind.permanent), ("http://files.example.com/x", .permanent),
                            ("https://nowhere.example.com/x", .temporary)] {
            #expect {
                _ = try client.get(url, headers: [], canceller: ConnectionCanceller(), deadline: farDeadline, redirect: { _ in .follow })
            } throws: { error in
                let failure = error as? HTTPClientFailure
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
                                               deadline: farDeadline, redirect: { _ in .follow })
        } throws: { error in
            let failure = error as? HTTPClientFailure
            return failure?.kind == .temporary && failure?.reason.contains("127.0.0.1: Connection refused") == true
        }
    }

    @Test("a cancelled request stops instead of connecting")
    func cancelled() throws {
        let canceller = ConnectionCanceller()
        canceller.cancel()
        let server = try FileServer.shared()
        #expect {
            _ = try client(policy: loopbackPolicy()).get(server.url("x"), headers: [], canceller: canceller, deadline: farDeadline, redirect: { _ in .follow })
        } throws: { error in
            (error as? HTTPClientFailure)?.kind == .cancelled
        }
    }

    @Test("an attempt past its time limit stops reading however steadily bytes come")
    func attemptDeadline() throws {
        let server = try FileServer.shared()
        try server.makeFile("slow.bin", size: 2 << 20)
        let response = try client(policy: loopbackPolicy())
            .get(server.url("slow.bin", query: "chunk_bytes=16384"), headers: [], canceller: ConnectionCanceller(),
                 deadline: MonotonicClock.nanoseconds() + 500_000_000, redirect: { _ in .follow })
        #expect {
            try response.readBody { (_) throws(HTTPClientFailure) in Thread.sleep(forTimeInterval: 0.01) }
        } throws: { error in
            (error as? HTTPClientFailure)?.reason.contains("longer than its time limit") == true
        }
    }

    @Test("each redirect goes to the caller, who may follow it, get the 3xx back, or refuse it")
    func redirectsAreTheCallersToDecide() throws {
        let server = try FileServer.shared()
        try server.makeFile("hops.bin", size: 2000)
        let client = try client(policy: loopbackPolicy())
        // Three redirects, then the file.
        let chain = server.base() + "/redirect/2/files/hops.bin"
        let seen = RedirectLog()
        let followed = try client.get(chain, headers: [], canceller: ConnectionCanceller(),
                                      deadline: farDeadline) { redirect in
            seen.add(redirect)
            return .follow
        }
        let followedBody = try body(of: followed)
        #expect(followed.head.status == 200 && followedBody.count == 2000)
        #expect(seen.all.map(\.hop) == [1, 2, 3])
        #expect(seen.all.map(\.status) == [302, 302, 302])
        #expect(seen.all.last?.to.hasSuffix("/hops.bin") == true)
        #expect(seen.all.first?.from == chain)

        let returned = try client.get(chain, headers: [], canceller: ConnectionCanceller(),
                                      deadline: farDeadline) { _ in .returnResponse }
        #expect(returned.head.status == 302)
        #expect(returned.head.headers["Location"] == "/redirect/1/files/hops.bin")
        returned.close()

        #expect {
            _ = try client.get(chain, headers: [], canceller: ConnectionCanceller(),
                               deadline: farDeadline) { redirect in redirect.hop < 2 ? .follow : .refuse("enough") }
        } throws: { error in
            let failure = error as? HTTPClientFailure
            return failure?.kind == .permanent && failure?.reason == "enough"
        }
    }

    @Test("a redirect to an address the policy refuses is not followed")
    func redirectCheckedByPolicy() throws {
        let server = try FileServer.shared()
        let policy = URLPolicy(allowInternal: false, resolver: FixedHostResolver(addresses: [
            "files.example.com": [IPAddress(93, 184, 216, 34)],
        ]))
        let connector = LoopbackConnector(port: server.port)
        let target = "https://127.0.0.1:\(server.port)/x"
        #expect {
            _ = try client(policy: policy, connector: connector)
                .get(server.url("x", host: "files.example.com", query: "redirect=\(target)"), headers: [],
                     canceller: ConnectionCanceller(), deadline: farDeadline) { _ in .follow }
        } throws: { error in
            let failure = error as? HTTPClientFailure
            return failure?.kind == .permanent && failure?.reason.contains("redirect 1 to https://127.0.0.1") == true
        }
        #expect(connector.addressesAsked == [IPAddress(93, 184, 216, 34)], "only the first, checked address was connected to")
    }

    @Test("a whole-answer request sends its body and reads the answer, and says whether it had left")
    func sendWholeAnswer() throws {
        let server = try FileServer.shared()
        try server.makeFile("whole.bin", size: 5000)
        let client = try client(policy: loopbackPolicy())
        let answer = try client.send(method: "GET", url: server.url("whole.bin"), headers: HTTPHeaders(), body: [],
                                     maxResponseBytes: 10_000, deadline: farDeadline)
        #expect(answer.head.status == 200 && answer.body.count == 5000)
        #expect {
            _ = try client.send(method: "GET", url: server.url("whole.bin"), headers: HTTPHeaders(), body: [],
                                maxResponseBytes: 4000, deadline: farDeadline)
        } throws: { error in
            let failure = error as? HTTPSSendFailure
            return failure?.requestMayHaveBeenSent == true && failure?.reason.contains("larger than 4000 bytes") == true
        }
        #expect {
            _ = try client.send(method: "POST", url: "https://files.test:1/x", headers: HTTPHeaders(), body: [1, 2, 3],
                                maxResponseBytes: 100, deadline: farDeadline)
        } throws: { error in
            (error as? HTTPSSendFailure)?.requestMayHaveBeenSent == false
        }
    }
}

/// The redirects a caller was shown, in order.
final class RedirectLog: @unchecked Sendable {
    private var redirects: [Redirect] = []
    func add(_ redirect: Redirect) { redirects.append(redirect) }
    var all: [Redirect] { redirects }
}
