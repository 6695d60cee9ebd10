import Glibc
import Testing
import Transport

/// `peek` on real loopback sockets: the server looks at a client's first byte right after
/// accepting it, often before that byte has arrived.
@Suite("Looking at a socket's first bytes")
struct SystemSocketPeekTests {
    /// A listener on 127.0.0.1, a connected client, and the server's side of it
    /// (non-blocking, as the event loop accepts it).
    private struct Pair {
        let listener: Int32
        let client: Int32
        let server: Int32

        init() throws {
            listener = try SystemSocket.listen(on: try SocketAddress(parsing: "127.0.0.1:0"))
            let address = try SystemSocket.localAddress(listener)
            client = try SystemSocket.connect(to: address, timeoutMilliseconds: 2_000, ioTimeoutMilliseconds: 2_000)
            var accepted: Int32?
            for _ in 0..<200 where accepted == nil {
                accepted = try SystemSocket.accept(listener)?.fd
                if accepted == nil { usleep(5_000) }
            }
            server = try #require(accepted, "the listener accepted the client")
        }

        func close() {
            SystemSocket.close(client)
            SystemSocket.close(server)
            SystemSocket.close(listener)
        }
    }

    private func peek(_ fd: Int32) -> SystemSocket.Peek {
        var byte: UInt8 = 0
        return withUnsafeMutableBytes(of: &byte) { SystemSocket.peek(fd, into: $0) }
    }

    /// Polls until the peek finds something other than "nothing yet" (loopback delivers
    /// in microseconds, but the test must not depend on it).
    private func peekWhenReady(_ fd: Int32) -> SystemSocket.Peek {
        for _ in 0..<200 {
            let result = peek(fd)
            if result != .nothingYet { return result }
            usleep(5_000)
        }
        return .nothingYet
    }

    @Test("a connection with no bytes yet is 'nothing yet', not an error or a close")
    func nothingYet() throws {
        let pair = try Pair()
        defer { pair.close() }
        #expect(peek(pair.server) == .nothingYet)
    }

    @Test("waiting bytes are seen and left in place for the next read")
    func bytesStayWaiting() throws {
        let pair = try Pair()
        defer { pair.close() }
        let hello: [UInt8] = [0x16, 0x03, 0x01]
        _ = hello.withUnsafeBytes { Glibc.write(pair.client, $0.baseAddress, $0.count) }
        #expect(peekWhenReady(pair.server) == .bytes(1))
        #expect(peek(pair.server) == .bytes(1), "a second look finds the same byte")
        var buffer = [UInt8](repeating: 0, count: 8)
        let count = try buffer.withUnsafeMutableBytes { try SystemSocket.read(pair.server, into: $0) }
        #expect(count == 3)
        #expect(Array(buffer.prefix(3)) == hello, "the read gets the byte the peek saw")
    }

    @Test("a client that closed before sending is 0 bytes")
    func peerClosed() throws {
        let pair = try Pair()
        defer { SystemSocket.close(pair.server); SystemSocket.close(pair.listener) }
        SystemSocket.close(pair.client)
        #expect(peekWhenReady(pair.server) == .bytes(0))
    }

    @Test("a descriptor that is not a socket is a failure")
    func notASocket() {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { Glibc.close(fds[0]); Glibc.close(fds[1]) }
        #expect(peek(fds[0]) == .failed)
    }
}
