import Foundation
import HTTP
import Logging
@testable import Server
import TLS
import TestSupport
import Transport

/// A real server on 127.0.0.1, port 0, with a real self-signed certificate: what the
/// integration tests talk to. Routes: GET /healthz, POST /callbacks/secret (202),
/// POST /echo (the body back), GET /slow (answers after 300 ms from another thread),
/// GET /held (answers when the test calls `held.release()`), GET /hold-the-loop (blocks
/// its event loop for 2 s, then answers).
final class TestServer: @unchecked Sendable {
    let folder = TemporaryDirectory(prefix: "videohookd-server")
    let certificate: SelfSignedCertificate.Files
    let server: HTTPServer
    let listenerFD: Int32
    let port: UInt16
    let store: TLSContextStore
    let refusals = RefusalLog()
    /// Connections the server closed unserved, by why.
    let drops = DropLog()
    let held = HeldAnswers()
    /// What GET /file sends.
    let fileContents: [UInt8]
    static let sparseLength: Int64 = 5 * 1024 * 1024 * 1024

    init(configuration: ServerConfiguration = ServerConfiguration(headerTimeout: 2, bodyTimeout: 2, idleTimeout: 5, loopCount: 2),
         tls: Bool = true, heapReturn: HeapReturn = .malloc, logger: Logger? = nil) throws {
        certificate = try SelfSignedCertificate.ensure(in: folder.path, hostNames: ["localhost"])
        store = TLSContextStore(try TLSServerContext(certificateFile: certificate.certificateFile, keyFile: certificate.keyFile))
        var router = Router()
        router.add("GET", "/healthz") { _, _, respond in respond(.json(status: 200, #"{"status":"ok"}"#)) }
        router.add("POST", matching: { $0 == "/callbacks/secret" }) { _, _, respond in
            respond(.json(status: 202, #"{"accepted":true}"#))
        }
        router.add("POST", "/echo") { request, _, respond in
            respond(HTTPResponse(status: 200, body: request.body))
        }
        router.add("GET", "/slow") { _, _, respond in
            DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) { respond(.json(status: 200, #"{"slow":true}"#)) }
        }
        let held = self.held
        router.add("GET", "/held") { _, _, respond in held.hold(respond) }
        router.add("GET", "/hold-the-loop") { _, _, respond in
            // A handler that blocks its event loop: what a stuck loop looks like.
            Thread.sleep(forTimeInterval: 2)
            respond(.json(status: 200, #"{"held_the_loop":true}"#))
        }
        // GET /file: a file of 3 MiB and a bit, sent as a file body (many chunks);
        // GET /sparse-tail: the last 10 bytes of a sparse 5 GiB file, past 32-bit offsets.
        let filePath = folder.path + "/body.bin"
        let fileBytes = (0..<(3 * 1024 * 1024 + 17)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 11) }
        try Data(fileBytes).write(to: URL(fileURLWithPath: filePath))
        fileContents = fileBytes
        let sparsePath = folder.path + "/sparse.bin"
        let sparse = open(sparsePath, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        _ = ftruncate(sparse, off_t(Self.sparseLength))
        _ = Array("tail-bytes".utf8).withUnsafeBytes { pwrite(sparse, $0.baseAddress, 10, off_t(Self.sparseLength - 10)) }
        close(sparse)
        router.add("GET", "/file") { _, _, respond in
            let fd = open(filePath, O_RDONLY | O_CLOEXEC)
            respond(HTTPResponse(status: 200, file: HTTPFileBody(descriptor: fd, offset: 0, length: Int64(fileBytes.count))))
        }
        router.add("GET", "/sparse-tail") { _, _, respond in
            let fd = open(sparsePath, O_RDONLY | O_CLOEXEC)
            respond(HTTPResponse(status: 206, file: HTTPFileBody(descriptor: fd, offset: Self.sparseLength - 10, length: 10)))
        }
        router.add("GET", "/cut-file") { _, _, respond in
            // Promises more than the file holds: the connection must end, not hang.
            let fd = open(filePath, O_RDONLY | O_CLOEXEC)
            respond(HTTPResponse(status: 200, file: HTTPFileBody(descriptor: fd, offset: 0, length: Int64(fileBytes.count) + 5)))
        }
        listenerFD = try SystemSocket.listen(on: SocketAddress(parsing: "127.0.0.1:0"))
        port = try SystemSocket.localAddress(listenerFD).port
        let logger = logger ?? {
            var quiet = Logger(label: "test")
            quiet.logLevel = .critical
            return quiet
        }()
        let refusals = self.refusals
        let drops = self.drops
        server = HTTPServer(configuration: configuration, logger: logger, observer: ServerObserver(
            connectionDropped: { drops.add($0) },
            requestRefused: { status, reason, _, _, _ in refusals.add(status, reason) }), heapReturn: heapReturn)
        try server.start(listeners: [ServerListener(fd: listenerFD, tls: tls ? store : nil, router: router, name: "callbacks")])
    }

    func stop() {
        server.shutdown()
        server.wait()
        SystemSocket.close(listenerFD)
    }

    /// A TLS client that trusts the server's self-signed certificate and checks its name.
    func connect(session: TLSSession? = nil, maxVersion: Int32? = nil) throws -> TestClient {
        let fd = try SystemSocket.connect(to: SocketAddress(parsing: "127.0.0.1:\(port)"), timeoutMilliseconds: 2000,
                                          ioTimeoutMilliseconds: 5000)
        let context = maxVersion == nil
            ? try TLSClientContext(extraCAFile: certificate.certificateFile, useSystemTrust: false)
            : try TLSClientContext(extraCAFile: certificate.certificateFile, useSystemTrust: false,
                                   minVersion: maxVersion, maxVersion: maxVersion)
        do {
            let tls = try TLSClientConnection(context: context, fd: fd, serverName: "localhost", resuming: session)
            return TestClient(fd: fd, tls: tls)
        } catch {
            SystemSocket.close(fd)
            throw error
        }
    }

    /// A plain TCP client from another loopback address (the whole 127.0.0.0/8 is
    /// loopback): a second client, as the per-address cap sees it.
    func connectPlain(from source: String) throws -> TestClient {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError("socket") }
        let local = try SocketAddress(parsing: "\(source):0")
        let remote = try SocketAddress(parsing: "127.0.0.1:\(port)")
        guard local.withSockaddr({ bind(fd, $0, $1) }) == 0 else {
            let error = SocketError("bind \(source)")
            SystemSocket.close(fd)
            throw error
        }
        guard remote.withSockaddr({ Glibc.connect(fd, $0, $1) }) == 0 else {
            let error = SocketError("connect from \(source)")
            SystemSocket.close(fd)
            throw error
        }
        var timeout = timeval(tv_sec: 3, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return TestClient(fd: fd, tls: nil)
    }

    /// Waits (up to 3 s) until the server counts `count` open connections.
    func waitForOpenConnections(_ count: Int) -> Bool {
        let deadline = Date().addingTimeInterval(3)
        while server.openConnections != count && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        return server.openConnections == count
    }

    /// A plain TCP client (for plain HTTP sent to the TLS port, and for the plain listener).
    func connectPlain() throws -> TestClient {
        let fd = try SystemSocket.connect(to: SocketAddress(parsing: "127.0.0.1:\(port)"), timeoutMilliseconds: 2000,
                                          ioTimeoutMilliseconds: 5000)
        return TestClient(fd: fd, tls: nil)
    }
}

/// Requests whose answers wait for the test: a request kept in flight for as long as the
/// test needs, without a timer.
final class HeldAnswers: @unchecked Sendable {
    private let lock = NSCondition()
    private var waiting: [Responder] = []

    func hold(_ respond: Responder) {
        lock.lock(); waiting.append(respond); lock.broadcast(); lock.unlock()
    }

    /// Waits (up to 5 s) until a request is held.
    func waitForOne() -> Bool {
        lock.lock(); defer { lock.unlock() }
        let deadline = Date().addingTimeInterval(5)
        while waiting.isEmpty, lock.wait(until: deadline) {}
        return !waiting.isEmpty
    }

    /// Answers every held request with 200 {"held":true}.
    func release() {
        lock.lock(); let answers = waiting; waiting = []; lock.unlock()
        for respond in answers { respond(.json(status: 200, #"{"held":true}"#)) }
    }
}

final class DropLog: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [ServerObserver.Drop] = []
    func add(_ why: ServerObserver.Drop) { lock.lock(); entries.append(why); lock.unlock() }
    var all: [ServerObserver.Drop] { lock.lock(); defer { lock.unlock() }; return entries }
}

final class RefusalLog: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [(Int, String)] = []
    func add(_ status: Int, _ reason: String) { lock.lock(); entries.append((status, reason)); lock.unlock() }
    var statuses: [Int] { lock.lock(); defer { lock.unlock() }; return entries.map(\.0) }
}

