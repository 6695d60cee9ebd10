import Glibc

/// One connection of the client, over TLS or plain TCP, closed exactly once.
final class ClientConnection {
    let fd: Int32
    let transport: ClientTransport
    private let canceller: ConnectionCanceller
    private let readTimeoutMilliseconds: Int32
    private let tickMilliseconds: Int32
    private var closed = false

    init(fd: Int32, transport: ClientTransport, canceller: ConnectionCanceller, readTimeoutMilliseconds: Int32,
         tickMilliseconds: Int32) {
        self.fd = fd
        self.transport = transport
        self.canceller = canceller
        self.readTimeoutMilliseconds = readTimeoutMilliseconds
        self.tickMilliseconds = tickMilliseconds
    }

    /// Reads what comes; 0 at the end of the stream. While nothing comes, calls `idle`
    /// once per tick (a download saves its progress there), and fails once the read
    /// timeout has passed with no byte.
    func read<Failure: HTTPClientFailureConvertible>(
        into buffer: UnsafeMutableRawBufferPointer, doing what: @autoclosure () -> String,
        idle: () throws(Failure) -> Void
    ) throws(Failure) -> Int {
        var waited: Int32 = 0
        while true {
            do {
                return try transport.read(into: buffer)
            } catch where error.isTimeout && !canceller.isCancelled {
                waited += tickMilliseconds
                if waited >= readTimeoutMilliseconds {
                    throw Failure(.temporary("\(what()): no data for the read timeout (\(readTimeoutMilliseconds / 1000) s)"))
                }
                try idle()
            } catch {
                throw Failure(failure(error, doing: what()))
            }
        }
    }

    deinit { close() }

    func close() {
        guard !closed else { return }
        closed = true
        canceller.close(fd)
    }

    /// A socket or TLS error as a failure: `cancelled` when `cancel()` caused it.
    func failure(_ error: ClientTransportError, doing what: String) -> HTTPClientFailure {
        if canceller.isCancelled { return .cancelled }
        if error.isTimeout { return .temporary("\(what): no data for the read timeout (\(error.message))") }
        return .temporary("\(what): \(error.message)")
    }

    var isCancelled: Bool { canceller.isCancelled }
}
