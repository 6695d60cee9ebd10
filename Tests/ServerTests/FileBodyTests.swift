import Foundation
import HTTP
import Testing
import TestSupport

@Suite("Bodies read from a file while they are written")
struct FileBodyTests {
    @Test("a file of several chunks arrives whole, over TLS and over plain TCP", arguments: [true, false])
    func wholeFile(tls: Bool) throws {
        let server = try TestServer(tls: tls)
        defer { server.stop() }
        let client = tls ? try server.connect() : try server.connectPlain()
        try client.send("GET /file HTTP/1.1\r\nHost: localhost\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 200)
        #expect(response.headers["content-length"] == String(server.fileContents.count))
        #expect(response.body == server.fileContents)
        try client.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(try client.readResponse().status == 200, "the connection is kept and framed right after the file")
    }

    @Test("a request pipelined behind a file's answer is answered after the file's last byte")
    func pipelinedBehindFile() throws {
        let server = try TestServer(tls: false)
        defer { server.stop() }
        let client = try server.connectPlain()
        try client.send("GET /file HTTP/1.1\r\nHost: localhost\r\n\r\nGET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        let file = try client.readResponse()
        #expect(file.body == server.fileContents)
        let health = try client.readResponse()
        #expect(health.status == 200 && health.text.contains("ok"))
    }

    @Test("HEAD is answered by the GET route: the same head, no body")
    func headRequest() throws {
        let server = try TestServer(tls: false)
        defer { server.stop() }
        let client = try server.connectPlain()
        try client.send("HEAD /file HTTP/1.1\r\nHost: localhost\r\n\r\n")
        // The head says the file's length, but no body follows: read the head alone.
        let head = try client.readHead()
        #expect(head.status == 200)
        #expect(head.headers["content-length"] == String(server.fileContents.count))
        try client.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(try client.readResponse().status == 200, "nothing of the file was sent after the head")
    }

    @Test("a range past 4 GiB of a sparse file is read at its offset, without the file in memory")
    func largeOffset() throws {
        let server = try TestServer(tls: false)
        defer { server.stop() }
        let client = try server.connectPlain()
        try client.send("GET /sparse-tail HTTP/1.1\r\nHost: localhost\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 206)
        #expect(response.text == "tail-bytes")
    }

    @Test("a file shorter than the length promised ends the connection instead of hanging")
    func cutFile() throws {
        let server = try TestServer(tls: false)
        defer { server.stop() }
        let client = try server.connectPlain()
        try client.send("GET /cut-file HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(throws: (any Error).self) { try client.readResponse() }
    }

    @Test("a path with a GET route lists HEAD in Allow")
    func allowListsHead() throws {
        let server = try TestServer(tls: false)
        defer { server.stop() }
        let client = try server.connectPlain()
        try client.send("DELETE /file HTTP/1.1\r\nHost: localhost\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 405)
        #expect(response.headers["allow"] == "GET, HEAD")
    }
}
