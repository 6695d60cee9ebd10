import TLS
import Transport

/// What carries a client connection's bytes: a TLS session for `https`, or the bare
/// socket for the plain `http` a policy may allow for the operator's own endpoints.
/// Both are blocking sockets whose SO_RCVTIMEO makes a read give up after one tick, so
/// the connection above waits, times out and reports the same way for either.
enum ClientTransport {
    case tls(TLSClientConnection)
    /// The socket itself; the connection owns and closes the descriptor, not this.
    case plain(fd: Int32)

    /// Reads up to `buffer.count` bytes; 0 at the end of the stream.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(ClientTransportError) -> Int {
        switch self {
        case .tls(let session):
            do { return try session.read(into: buffer) } catch { throw ClientTransportError(error) }
        case .plain(let fd):
            let count: Int?
            do { count = try SystemSocket.read(fd, into: buffer) } catch {
                throw ClientTransportError("read failed: \(error.reason)")
            }
            // nil: would block, which a blocking socket says only when SO_RCVTIMEO ran out.
            guard let count else { throw ClientTransportError("read timed out", isTimeout: true) }
            return count
        }
    }

    /// Writes every byte, or fails.
    func write(_ bytes: [UInt8]) throws(ClientTransportError) {
        var failure: ClientTransportError?
        bytes.withUnsafeBytes { raw in
            do throws(ClientTransportError) { try write(raw) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Writes every byte of `raw`, or fails: what a body streamed from a file writes
    /// from its one reused buffer.
    func write(_ raw: UnsafeRawBufferPointer) throws(ClientTransportError) {
        switch self {
        case .tls(let session):
            do { try session.write(raw) } catch { throw ClientTransportError(error) }
        case .plain(let fd):
            var offset = 0
            while offset < raw.count {
                let written: Int?
                do throws(SocketError) {
                    written = try SystemSocket.write(fd, UnsafeRawBufferPointer(rebasing: raw[offset...]))
                } catch {
                    throw ClientTransportError("write failed: \(error.reason)")
                }
                // nil: SO_SNDTIMEO ran out with the peer not reading.
                guard let written else { throw ClientTransportError("write timed out", isTimeout: true) }
                offset += written
            }
        }
    }

    /// Bytes already taken off the socket that a read returns without waiting: only TLS
    /// holds any (decrypted records); a plain socket's are in the kernel, where poll sees them.
    var hasBufferedBytes: Bool {
        if case .tls(let session) = self { session.hasBufferedBytes } else { false }
    }
}
