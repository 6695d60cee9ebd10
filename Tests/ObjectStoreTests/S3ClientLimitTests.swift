import Foundation
import Glibc
import HTTPClient
import TLS
import TestSupport
import Testing
import URLPolicy
@testable import ObjectStore

/// The limits the client checks before it sends anything. The endpoint is a loopback
/// port with nothing listening: a request that passes the checks fails there, as a
/// transient connection error, while one refused by a check fails for good with no
/// connection tried, so the two ends of each limit are told apart.
@Suite("S3 client limits")
struct S3ClientLimitTests {
    private func client() throws -> S3Client {
        let http = HTTPSClient(tls: try TLSClientContext(),
                               policy: URLPolicy(allowInternal: true, allowPlainHTTP: true, resolver: nil),
                               timeouts: .init(connectMilliseconds: 2000, readMilliseconds: 2000), userAgent: "t")
        return S3Client(endpoint: try S3Endpoint(bucket: "videos", region: "us-east-1",
                                                 endpoint: "http://127.0.0.1:\(try LoopbackPort.free())", pathStyle: true),
                        credentials: S3Credentials(accessKeyID: "AKID", secretAccessKey: "s"), http: http)
    }

    private func disposition(_ body: () throws -> Void) -> S3Error.Disposition? {
        do { try body() } catch let error as S3Error { return error.disposition } catch { Issue.record("\(error)") }
        return nil
    }

    @Test("part numbers are 1...10000")
    func partNumbers() throws {
        let folder = TemporaryDirectory()
        let path = try folder.write("part", "12345")
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        defer { close(fd) }
        let s3 = try client()
        let part = FileRangeBody(fd: fd, offset: 0, length: 5)
        for number in [0, 10_001] {
            #expect(disposition { _ = try s3.uploadPart(key: "k", uploadID: "u", partNumber: number, file: part) } == .failed)
        }
        for number in [1, 10_000] {
            #expect(disposition { _ = try s3.uploadPart(key: "k", uploadID: "u", partNumber: number, file: part) } == .transient)
        }
    }

    @Test("a file range that runs past the end of its file fails for good before a request")
    func shortFile() throws {
        let folder = TemporaryDirectory()
        let path = try folder.write("part", "12345")
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        defer { close(fd) }
        #expect(disposition { _ = try client().putObject(key: "k", file: FileRangeBody(fd: fd, offset: 2, length: 4)) } == .failed)
    }

    @Test("keys, metadata and storage classes are checked before sending")
    func checkedBeforeSending() throws {
        let s3 = try client()
        #expect(disposition { try s3.putObject(key: String(repeating: "k", count: 1025), body: []) } == .failed)
        #expect(disposition { try s3.putObject(key: String(repeating: "k", count: 1024), body: []) } == .transient)
        #expect(disposition { try s3.putObject(key: "k", body: [], metadata: ["Bad Name": "x"]) } == .failed)
        #expect(disposition { _ = try s3.createMultipartUpload(key: "k", storageClass: "standard") } == .failed)
        #expect(disposition { _ = try s3.createMultipartUpload(key: "k", storageClass: "GLACIER_IR") } == .transient)
        #expect(disposition { _ = try s3.presignedGetURL(key: "k", expiresIn: 604_801) } == .failed)
        for size in [0, 1001] {
            #expect(disposition { _ = try s3.listParts(key: "k", uploadID: "u", pageSize: size) } == .failed)
        }
        for size in [1, 1000] {
            #expect(disposition { _ = try s3.listParts(key: "k", uploadID: "u", pageSize: size) } == .transient)
        }
    }
}
