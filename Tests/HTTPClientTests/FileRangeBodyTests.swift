import Foundation
import Glibc
import HTTP
import TLS
import TestSupport
import Testing
import Transport
import URLPolicy
@testable import HTTPClient

/// A request body read from a file's range as it is sent (an object store's upload of
/// one part of a video): the right bytes, the right length, constant memory.
@Suite("Request bodies from a file range")
struct FileRangeBodyTests {
    private let policy = URLPolicy(allowInternal: true, allowPlainHTTP: true, resolver: nil)

    private func client() throws -> HTTPSClient {
        HTTPSClient(tls: try TLSClientContext(extraCAFile: TestCertificates.shared().caFile), policy: policy,
                    timeouts: .init(connectMilliseconds: 2000, readMilliseconds: 5000),
                    userAgent: "videohookd-test")
    }

    /// A file of `size` bytes, byte i = (i * 13 + 5) mod 256, opened for reading.
    private func file(size: Int, in folder: TemporaryDirectory) throws -> (fd: Int32, bytes: [UInt8]) {
        let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 * 13 + 5) }
        let path = folder.file("body.bin")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        #expect(fd >= 0)
        return (fd, bytes)
    }

    @Test("a range from the middle of a file, several chunks long, arrives whole with its length")
    func rangeArrivesWhole() throws {
        let server = try PlainHTTPServer.shared()
        let folder = TemporaryDirectory()
        let (fd, bytes) = try file(size: 400_000, in: folder)
        defer { close(fd) }
        // Not a multiple of the 64 KiB chunk, and not from the start.
        let range = FileRangeBody(fd: fd, offset: 70_001, length: 200_003)
        let answer = try client().send(method: "POST", url: "http://127.0.0.1:\(server.port)/echo", headers: HTTPHeaders(),
                                       file: range, maxResponseBytes: 1 << 20,
                                       deadline: MonotonicClock.nanoseconds() + 30_000_000_000)
        let echo = try JSONDecoder().decode(PlainHTTPServer.Echo.self, from: Data(answer.body))
        #expect(echo.field("Content-Length") == "200003")
        let expected = bytes[70_001..<270_004].map { String(format: "%02x", $0) }.joined()
        #expect(echo.body_hex == expected)
        // pread leaves the descriptor's offset where it was.
        #expect(lseek(fd, 0, SEEK_CUR) == 0)
    }

    @Test("an empty range sends Content-Length: 0 and no body")
    func emptyRange() throws {
        let server = try PlainHTTPServer.shared()
        let folder = TemporaryDirectory()
        let (fd, _) = try file(size: 10, in: folder)
        defer { close(fd) }
        let answer = try client().send(method: "POST", url: "http://127.0.0.1:\(server.port)/echo", headers: HTTPHeaders(),
                                       file: FileRangeBody(fd: fd, offset: 10, length: 0), maxResponseBytes: 1 << 20,
                                       deadline: MonotonicClock.nanoseconds() + 30_000_000_000)
        let echo = try JSONDecoder().decode(PlainHTTPServer.Echo.self, from: Data(answer.body))
        #expect(echo.field("Content-Length") == "0" && echo.body_hex.isEmpty)
    }

    @Test("a file shorter than its range fails for good, before a whole request has left")
    func shortFileFails() throws {
        let server = try PlainHTTPServer.shared()
        let folder = TemporaryDirectory()
        let (fd, _) = try file(size: 100_000, in: folder)
        defer { close(fd) }
        #expect {
            _ = try client().send(method: "POST", url: "http://127.0.0.1:\(server.port)/echo", headers: HTTPHeaders(),
                                  file: FileRangeBody(fd: fd, offset: 50_000, length: 60_000), maxResponseBytes: 1 << 20,
                                  deadline: MonotonicClock.nanoseconds() + 30_000_000_000)
        } throws: { error in
            guard let failure = error as? HTTPSSendFailure else { return false }
            return failure.kind == .permanent && !failure.requestMayHaveBeenSent
                && failure.reason.contains("the file ended after 50000 of the 60000 bytes")
        }
    }

    @Test("a URL the policy refuses for good is a permanent send failure")
    func refusedURLIsPermanent() throws {
        let strict = HTTPSClient(tls: try TLSClientContext(extraCAFile: TestCertificates.shared().caFile),
                                 policy: URLPolicy(resolver: nil),
                                 timeouts: .init(connectMilliseconds: 2000, readMilliseconds: 2000), userAgent: "t")
        #expect {
            _ = try strict.send(method: "POST", url: "http://127.0.0.1:1/echo", headers: HTTPHeaders(), body: [],
                                maxResponseBytes: 100, deadline: MonotonicClock.nanoseconds() + 1_000_000_000)
        } throws: { error in
            (error as? HTTPSSendFailure)?.kind == .permanent
        }
    }
}
