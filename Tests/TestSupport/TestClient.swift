import Foundation
import Glibc
import TLS
import Transport

/// One answer as the client read it.
public struct TestResponse: Sendable {
    public var status: Int
    public var headers: [String: String] // lower-cased names
    public var body: [UInt8]
    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// A blocking client that writes raw bytes and reads answers: exactly what is on the wire.
public final class TestClient {
    public let fd: Int32
    public let tls: TLSClientConnection?
    private var buffered: [UInt8] = []

    public init(fd: Int32, tls: TLSClientConnection?) {
        self.fd = fd
        self.tls = tls
    }

    deinit { SystemSocket.close(fd) }

    public func send(_ text: String) throws { try send(Array(text.utf8)) }

    public func send(_ bytes: [UInt8]) throws {
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
    public func readResponse() throws -> TestResponse {
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

    /// Reads one response's head only (the answer to HEAD, whose Content-Length counts
    /// no body bytes on the wire).
    public func readHead() throws -> TestResponse {
        let separator: [UInt8] = [13, 10, 13, 10]
        var headEnd: Int?
        while true {
            if let range = firstRange(of: separator) { headEnd = range; break }
            guard try fill() else { throw SocketError("end of stream before a response", errno: ECONNRESET) }
        }
        let head = String(decoding: buffered[0..<headEnd!], as: UTF8.self)
        buffered.removeFirst(headEnd! + 4)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return TestResponse(status: Int(statusLine[1]) ?? 0, headers: headers, body: [])
    }

    /// True when the server closed the connection (reads end of stream) within the socket timeout.
    public func readsEndOfStream() -> Bool {
        do {
            while try fill() {}
            return true
        } catch {
            return false
        }
    }

    /// True when the server ended the connection, cleanly or with a reset; false when
    /// it was still open at the socket's read timeout.
    public func isEndedByServer() -> Bool {
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

extension TestClient {
    /// A TLS connection to 127.0.0.1:`port` that trusts `caFile` and checks the name.
    public static func connectTLS(port: UInt16, caFile: String, serverName: String = "localhost",
                                  ioTimeoutMilliseconds: Int32 = 10_000) throws -> TestClient {
        let fd = try SystemSocket.connect(to: SocketAddress(parsing: "127.0.0.1:\(port)"), timeoutMilliseconds: 5000,
                                          ioTimeoutMilliseconds: ioTimeoutMilliseconds)
        do {
            let context = try TLSClientContext(extraCAFile: caFile, useSystemTrust: false)
            return TestClient(fd: fd, tls: try TLSClientConnection(context: context, fd: fd, serverName: serverName))
        } catch {
            SystemSocket.close(fd)
            throw error
        }
    }

    public static func connectPlain(port: UInt16, ioTimeoutMilliseconds: Int32 = 10_000) throws -> TestClient {
        let fd = try SystemSocket.connect(to: SocketAddress(parsing: "127.0.0.1:\(port)"), timeoutMilliseconds: 5000,
                                          ioTimeoutMilliseconds: ioTimeoutMilliseconds)
        return TestClient(fd: fd, tls: nil)
    }

    /// Sends one request with a body and reads its answer.
    public func post(_ path: String, body: String, headers: [String] = []) throws -> TestResponse {
        let extra = headers.map { $0 + "\r\n" }.joined()
        try send("POST \(path) HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\(extra)"
                 + "Content-Length: \(body.utf8.count)\r\n\r\n" + body)
        return try readResponse()
    }

    public func get(_ path: String) throws -> TestResponse {
        try send("GET \(path) HTTP/1.1\r\nHost: localhost\r\n\r\n")
        return try readResponse()
    }
}
