import COpenSSL
import Glibc

/// One TLS session over a non-blocking socket. Every call returns at once: when OpenSSL
/// needs the socket to become readable or writable first it says so, and the event loop
/// calls again when epoll reports it.
///
/// Not thread-safe: a connection belongs to one event loop.
public final class TLSConnection {
    public enum Outcome: Equatable {
        /// The operation moved `count` bytes (0 for a finished handshake).
        case done(Int)
        case wantRead
        case wantWrite
        /// The peer closed the session (close_notify or end of stream).
        case closed
        /// A protocol or socket error; the reason is short and fit for one log line.
        case failed(String)
    }

    private let ssl: OpaquePointer
    private let fd: Int32
    /// The session reads from a memory BIO holding the bytes given at init (the first
    /// record, read by the caller) until they are used up, then from the socket.
    private var readsGivenBytes: Bool

    public convenience init(context: TLSServerContext, fd: Int32) throws(TLSError) {
        try self.init(context: context, fd: fd, firstBytes: [])
    }

    /// A session whose first input is `firstBytes`, already read from the socket (the
    /// server gathers the ClientHello record before it makes a session, so a client that
    /// trickles it costs no session), and then the socket.
    public init(context: TLSServerContext, fd: Int32, firstBytes: [UInt8]) throws(TLSError) {
        guard let ssl = SSL_new(context.context) else { throw TLSError.openSSL("SSL_new") }
        self.ssl = ssl
        self.fd = fd
        readsGivenBytes = !firstBytes.isEmpty
        if firstBytes.isEmpty {
            SSL_set_fd(ssl, fd)
        } else {
            guard let memory = BIO_new(BIO_s_mem()) else {
                SSL_free(ssl)
                throw TLSError.openSSL("BIO_new")
            }
            guard let socket = BIO_new_socket(fd, BIO_NOCLOSE) else {
                BIO_free(memory)
                SSL_free(ssl)
                throw TLSError.openSSL("BIO_new_socket")
            }
            let written = firstBytes.withUnsafeBytes { BIO_write(memory, $0.baseAddress, Int32($0.count)) }
            // Used up: "try again" (WANT_READ), not the end of the stream.
            _ = vh_BIO_set_mem_eof_return(memory, -1)
            // The session owns both BIOs from here, and frees them.
            SSL_set_bio(ssl, memory, socket)
            guard written == firstBytes.count else {
                SSL_free(ssl)
                throw TLSError.openSSL("BIO_write")
            }
        }
        SSL_set_accept_state(ssl)
    }

    deinit { SSL_free(ssl) }

    public var handshakeDone: Bool { SSL_is_init_finished(ssl) == 1 }

    public func handshake() -> Outcome {
        OpenSSLErrorQueue.clear()
        let result = SSL_do_handshake(ssl)
        guard readsGivenBytes, BIO_ctrl_pending(SSL_get_rbio(ssl)) == 0 else {
            return result == 1 ? .done(0) : outcome(of: result)
        }
        // The given bytes are used up: read from the socket from now on. The outcome is
        // judged first, since SSL_get_error looks at the BIO being replaced.
        let first = result == 1 ? .done(0) : outcome(of: result)
        readsGivenBytes = false
        guard let socket = BIO_new_socket(fd, BIO_NOCLOSE) else { return .failed("BIO_new_socket failed") }
        SSL_set0_rbio(ssl, socket)
        // Waiting for input: the socket may hold it already.
        return first == .wantRead ? handshake() : first
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) -> Outcome {
        OpenSSLErrorQueue.clear()
        let result = SSL_read(ssl, buffer.baseAddress, Int32(buffer.count))
        return result > 0 ? .done(Int(result)) : outcome(of: result)
    }

    public func write(_ bytes: UnsafeRawBufferPointer) -> Outcome {
        guard bytes.count > 0 else { return .done(0) }
        OpenSSLErrorQueue.clear()
        let result = SSL_write(ssl, bytes.baseAddress, Int32(min(bytes.count, Int(Int32.max))))
        return result > 0 ? .done(Int(result)) : outcome(of: result)
    }

    /// Sends close_notify once, without waiting for the peer's.
    public func shutdown() {
        OpenSSLErrorQueue.clear()
        _ = SSL_shutdown(ssl)
        OpenSSLErrorQueue.clear()
    }

    /// "TLSv1.3", "TLSv1.2": for logs and tests.
    public var protocolVersion: String { String(cString: SSL_get_version(ssl)) }

    /// The protocol chosen by ALPN, if any.
    public var alpnProtocol: String? {
        ALPN.selected(by: ssl)
    }

    /// Bytes OpenSSL has read from the socket and not yet handed out (read-ahead, or the
    /// rest of a record): epoll cannot report them, so a reader that stops before
    /// `wantRead` must come back for them itself.
    public var hasBufferedInput: Bool { SSL_has_pending(ssl) == 1 }

    public var sessionReused: Bool { SSL_session_reused(ssl) == 1 }

    private func outcome(of result: Int32) -> Outcome {
        let code = SSL_get_error(ssl, result)
        switch code {
        case SSL_ERROR_WANT_READ:
            return .wantRead
        case SSL_ERROR_WANT_WRITE:
            return .wantWrite
        case SSL_ERROR_ZERO_RETURN:
            return .closed
        case SSL_ERROR_SYSCALL:
            let reasons = OpenSSLErrorQueue.drain()
            if reasons.isEmpty {
                let err = errno
                return err == 0 ? .closed : .failed(String(cString: strerror(err)))
            }
            return .failed(reasons.joined(separator: "; "))
        default:
            let reasons = OpenSSLErrorQueue.drain()
            if reasons.contains("unexpected eof while reading") { return .closed }
            return .failed(reasons.isEmpty ? "TLS error \(code)" : reasons.joined(separator: "; "))
        }
    }
}
