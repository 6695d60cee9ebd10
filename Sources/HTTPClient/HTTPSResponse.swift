import Glibc
import HTTP
import Transport
import URLPolicy

/// A response whose head has been read; the body is streamed through ``readBody(_:)``
/// from a fixed buffer, so memory stays the same however long it is.
public final class HTTPSResponse {
    public let url: CheckedURL
    public let head: HTTPResponseHead
    public let framing: HTTPResponseFraming
    private let connection: ClientConnection
    private let buffer: UnsafeMutableRawBufferPointer
    /// Bytes read past the head and not yet decoded: `buffer[pending]`.
    private var pending: Range<Int>
    private let deadline: UInt64
    private var decoder: HTTPResponseBodyDecoder

    private init(url: CheckedURL, head: HTTPResponseHead, framing: HTTPResponseFraming, connection: ClientConnection,
                 buffer: UnsafeMutableRawBufferPointer, pending: Range<Int>, deadline: UInt64) {
        self.url = url
        self.head = head
        self.framing = framing
        self.connection = connection
        self.buffer = buffer
        self.pending = pending
        self.deadline = deadline
        decoder = HTTPResponseBodyDecoder(framing: framing)
    }

    deinit {
        connection.close()
        buffer.deallocate()
    }

    /// Reads the head (skipping interim 1xx answers) and decides how the body is framed.
    static func read(from connection: ClientConnection, url: CheckedURL, requestMethod: String, bufferBytes: Int,
                     deadline: UInt64) throws(HTTPClientFailure) -> HTTPSResponse {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferBytes, alignment: 16)
        var parser = HTTPResponseParser()
        var pending = 0..<0
        do throws(HTTPClientFailure) {
            while true {
                if pending.isEmpty {
                    try checkDeadline(deadline, connection: connection)
                    let count = try connection.read(into: buffer, doing: "reading the response head from \(url.hostHeader)",
                                                    idle: { () throws(HTTPClientFailure) in })
                    guard count > 0 else {
                        if connection.isCancelled { throw .cancelled }
                        throw .temporary("\(url.hostHeader) closed the connection before a complete response head")
                    }
                    pending = 0..<count
                }
                let parsed: (head: HTTPResponseHead, consumed: Int)?
                do {
                    parsed = try parser.parse(UnsafeRawBufferPointer(rebasing: buffer[pending]))
                } catch {
                    throw .temporary("malformed response from \(url.hostHeader): \(error.message)")
                }
                guard let parsed else {
                    pending = 0..<0
                    continue
                }
                pending = (pending.lowerBound + parsed.consumed)..<pending.upperBound
                if parsed.head.isInterim { continue }
                let framing: HTTPResponseFraming
                do {
                    framing = try parsed.head.framing(requestMethod: requestMethod)
                } catch {
                    throw .temporary("unreadable response from \(url.hostHeader): \(error.message)")
                }
                return HTTPSResponse(url: url, head: parsed.head, framing: framing, connection: connection,
                                     buffer: buffer, pending: pending, deadline: deadline)
            }
        } catch {
            buffer.deallocate()
            connection.close()
            throw error
        }
    }

    /// The declared body length, when the framing says one.
    public var contentLength: Int64? {
        if case .length(let length) = framing { length } else { nil }
    }

    /// Body bytes handed over so far.
    public var bodyBytesRead: Int64 { decoder.bodyBytes }

    /// Streams the body to `deliver` until its end. Throws the caller's failure (from
    /// the connection, the framing or `deliver` itself) when it cannot finish. `idle`
    /// runs once a tick while the server sends nothing.
    public func readBody<Failure: HTTPClientFailureConvertible>(
        idle: () throws(Failure) -> Void = {},
        _ deliver: (UnsafeRawBufferPointer) throws(Failure) -> Void
    ) throws(Failure) {
        while !decoder.isComplete {
            if pending.isEmpty {
                do throws(HTTPClientFailure) {
                    try Self.checkDeadline(deadline, connection: connection)
                } catch {
                    throw Failure(error)
                }
                let count = try connection.read(into: buffer, doing: "reading the body after \(decoder.bodyBytes) bytes",
                                                idle: idle)
                if count == 0 {
                    if connection.isCancelled { throw Failure(.cancelled) }
                    do {
                        try decoder.finish()
                    } catch {
                        throw Failure(.temporary(error.message))
                    }
                    return
                }
                pending = 0..<count
            }
            // The decoder's callback cannot carry a typed error out: keep it here.
            var delivered: Failure?
            do {
                let used = try decoder.decode(UnsafeRawBufferPointer(rebasing: buffer[pending])) { bytes in
                    do throws(Failure) {
                        try deliver(bytes)
                    } catch {
                        delivered = error
                        throw error
                    }
                }
                pending = (pending.lowerBound + used)..<pending.upperBound
            } catch {
                if let delivered { throw delivered }
                if let error = error as? HTTPResponseError { throw Failure(.temporary("malformed body: \(error.message)")) }
                throw Failure(.temporary("\(error)"))
            }
        }
    }

    /// After a body with a known end: true when the server sent more than it declared,
    /// which means the declared length, and so the file, cannot be trusted. Waits at most
    /// `milliseconds` for bytes still on their way.
    public func sentMoreThanDeclared(waitMilliseconds milliseconds: Int32 = 200) -> Bool {
        if !pending.isEmpty || connection.transport.hasBufferedBytes { return true }
        var poller = pollfd(fd: connection.fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, milliseconds) == 1, poller.revents & Int16(POLLIN) != 0 else { return false }
        let count = (try? connection.transport.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<min(buffer.count, 4096)]))) ?? 0
        return count > 0
    }

    public func close() {
        connection.close()
    }

    private static func checkDeadline(_ deadline: UInt64, connection: ClientConnection) throws(HTTPClientFailure) {
        if connection.isCancelled { throw .cancelled }
        if MonotonicClock.nanoseconds() > deadline {
            throw .temporary("the attempt took longer than its time limit")
        }
    }
}
