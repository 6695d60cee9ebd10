import Foundation
import HTTP
import Logging
@testable import Server
import TLS
import Transport

/// A real server on 127.0.0.1, port 0, with a real self-signed certificate: what the
/// integration tests talk to. Routes: GET /healthz, POST /callbacks/secret (202),
/// POST /echo (the body back), GET /slow (answers after 300 ms from another thread).
final class TestServer: @unchecked Sendable {
    let directory: String
    let certificate: SelfSignedCertificate.Files
    let server: HTTPServer
    let listenerFD: Int32
    let port: UInt16
    let store: TLSContextStore
    let refusals = RefusalLog()

    init(configuration: ServerConfiguration = ServerConfiguration(headerTimeout: 2, bodyTimeout: 2, idleTimeout: 5, loopCount: 2),
         tls: Bool = true) throws {
        directory = NSTemporaryDirectory() + "videohookd-server-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        certificate = try SelfSignedCertificate.ensure(in: directory, hostNames: ["localhost"])
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
        listenerFD = try SystemSocket.listen(on: SocketAddress(parsing: "127.0.0.1:0"))
        port = try SystemSocket.localAddress(listenerFD).port
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let refusals = self.refusals
        server = HTTPServer(configuration: configuration, logger: logger, observer: ServerObserver(
            requestRefused: { status, reason, _, _, _ in refusals.add(status, reason) }))
        try server.start(listeners: [ServerListener(fd: listenerFD, tls: tls ? store : nil, router: router, name: "callbacks")])
    }

    func stop() {
        server.shutdown()
        server.wait()
        SystemSocket.close(listenerFD)
        try? FileManager.default.removeItem(atPath: directory)
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

    /// A plain TCP client (for plain HTTP sent to the TLS port, and for the plain listener).
    func connectPlain() throws -> TestClient {
        let fd = try SystemSocket.connect(to: SocketAddress(parsing: "127.0.0.1:\(port)"), timeoutMilliseconds: 2000,
                                          ioTimeoutMilliseconds: 5000)
        return TestClient(fd: fd, tls: nil)
    }
}

final class RefusalLog: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [(Int, String)] = []
    func add(_ status: Int, _ reason: String) { lock.lock(); entries.append((status, reason)); lock.unlock() }
    var statuses: [Int] { lock.lock(); defer { lock.unlock() }; return entries.map(\.0) }
}

/// One answer as the client read it.
struct TestResponse {
    var status: Int
    var headers: [String: String] // lower-cased names
    var body: [UInt8]
    var text: String { String(decoding: body, as: UTF8.self) }
}

/// A blocking client that writes raw bytes and reads answers: exactly what is on the wire.
final class TestClient {
    let fd: Int32
    let tls: TLSClientConnection?
    private var buffered: [UInt8] = []

    init(fd: Int32, tls: TLSClientConnection?) {
        self.fd = fd
        self.tls = tls
    }

    deinit { SystemSocket.close(fd) }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) throws {
        if let tls {
            try tls.write(bytes)
        } else {
            var offset = 0
            while offset < bytes.count {
                let written = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                guard written > 0 else { throw SocketError("send") }
                offset += written
            }
        }
    }

    /// Reads more bytes; false at the end of the stream.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        let count: Int = try chunk.withUnsafeMutableBytes { raw in
            if let tls { return try tls.read(into: raw) }
            let n = Glibc.read(fd, raw.baseAddress, raw.count)
            if n < 0 { throw SocketError("read") }
            return n
        }
        if count == 0 { return false }
        buffered.append(contentsOf: chunk[0..<count])
        return true
    }

    /// Reads one response (Content-Length framed, as our server always answers).
    func readResponse() throws -> TestResponse {
        let separator: [UInt8] = [13, 10, 13, 10]
        var headEnd: Int?
        while true {
            if let range = firstRange(of: separator) { headEnd = range; break }
            guard try fill() else { throw SocketError("end of stream before a response", errno: ECONNRESET) }
        }
        let head = String(decoding: buffered[0..<headEnd!], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        let status = Int(statusLine[1]) ?? 0
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        let bodyStart = headEnd! + 4
        while buffered.count < bodyStart + length {
            guard try fill() else { throw SocketError("end of stream inside a body", errno: ECONNRESET) }
        }
        let body = Array(buffered[bodyStart..<(bodyStart + length)])
        buffered.removeFirst(bodyStart + length)
        return TestResponse(status: status, headers: headers, body: body)
    }

    /// True when the server closed the connection (reads end of stream) within the socket timeout.
    func readsEndOfStream() -> Bool {
        do {
            while try fill() {}
            return true
        } catch {
            return false
        }
    }

    /// True when the server ended the connection, cleanly or with a reset; false when
    /// it was still open at the socket's read timeout.
    func isEndedByServer() -> Bool {
        do {
            while try fill() {}
            return true
        } catch let error as SocketError {
            return error.errno != EAGAIN && error.errno != EWOULDBLOCK
        } catch {
            return false
        }
    }

    private func firstRange(of pattern: [UInt8]) -> Int? {
        guard buffered.count >= pattern.count else { return nil }
        for start in 0...(buffered.count - pattern.count) where buffered[start] == pattern[0] {
            if Array(buffered[start..<(start + pattern.count)]) == pattern { return start }
        }
        return nil
    }
}
