import COpenSSL
import Glibc

/// A TLS client session over a blocking socket (with the socket's own timeouts): the
/// downloader streams one file per connection on its own thread, so blocking calls keep
/// its code straight.
public final class TLSClientConnection {
    private let ssl: OpaquePointer
    public let serverName: String

    /// Performs the handshake with SNI and host-name (or IP address) verification.
    public init(context: TLSClientContext, fd: Int32, serverName: String,
                resuming session: TLSSession? = nil) throws(TLSError) {
        OpenSSLErrorQueue.clear()
        guard let ssl = SSL_new(context.context) else { throw TLSError.openSSL("SSL_new") }
        self.ssl = ssl
        self.serverName = serverName
        SSL_set_fd(ssl, fd)
        let isAddress = serverName.contains(":") || serverName.allSatisfy { $0.isNumber || $0 == "." }
        if !isAddress {
            // SNI is for names only (RFC 6066 §3).
            _ = vh_SSL_set_tlsext_host_name(ssl, serverName)
        }
        if context.verifiesPeer {
            let checked = isAddress
                ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), serverName)
                : SSL_set1_host(ssl, serverName)
            guard checked == 1 else { throw TLSError.openSSL("cannot check the name \(serverName)") }
        }
        if let session { SSL_set_session(ssl, session.session) }
        let result = SSL_connect(ssl)
        let err = errno
        guard result == 1 else {
            let code = SSL_get_error(ssl, result)
            let verify = SSL_get_verify_result(ssl)
            if verify != X509_V_OK {
                let reason = String(cString: X509_verify_cert_error_string(verify))
                OpenSSLErrorQueue.clear()
                if verify == X509_V_ERR_HOSTNAME_MISMATCH || verify == X509_V_ERR_IP_ADDRESS_MISMATCH {
                    throw TLSError("TLS handshake with \(serverName) failed: the certificate is not for \(serverName) (\(reason))",
                                   kind: .nameMismatch)
                }
                throw TLSError("TLS handshake with \(serverName) failed: certificate not trusted: \(reason)",
                               kind: .untrustedCertificate)
            }
            if code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE {
                OpenSSLErrorQueue.clear()
                throw TLSError("TLS handshake with \(serverName) timed out", kind: .timeout)
            }
            if code == SSL_ERROR_SYSCALL, ERR_peek_error() == 0 {
                if err == EAGAIN || err == EWOULDBLOCK {
                    throw TLSError("TLS handshake with \(serverName) timed out", kind: .timeout)
                }
                let reason = err == 0 ? "the server closed the connection" : String(cString: strerror(err))
                throw TLSError("TLS handshake with \(serverName) failed: \(reason)")
            }
            throw TLSError.openSSL("TLS handshake with \(serverName) failed")
        }
    }

    deinit { SSL_free(ssl) }

    /// Reads up to `buffer.count` bytes; 0 at a clean end of stream.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(TLSError) -> Int {
        OpenSSLErrorQueue.clear()
        let result = SSL_read(ssl, buffer.baseAddress, Int32(clamping: buffer.count))
        let err = errno
        if result > 0 { return Int(result) }
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_ZERO_RETURN:
            return 0
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            // A blocking socket only "wants" more when its SO_RCVTIMEO ran out.
            OpenSSLErrorQueue.clear()
            throw TLSError("read timed out", kind: .timeout)
        case SSL_ERROR_SYSCALL where ERR_peek_error() == 0:
            if err == 0 { return 0 } // the peer closed without close_notify
            if err == EAGAIN || err == EWOULDBLOCK { throw TLSError("read timed out", kind: .timeout) }
            throw TLSError("read failed: \(String(cString: strerror(err)))")
        default:
            throw TLSError.openSSL("read failed")
        }
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(TLSError) {
        var offset = 0
        while offset < bytes.count {
            OpenSSLErrorQueue.clear()
            let result = SSL_write(ssl, bytes.baseAddress! + offset, Int32(clamping: bytes.count - offset))
            let err = errno
            guard result > 0 else {
                switch SSL_get_error(ssl, result) {
                case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
                    OpenSSLErrorQueue.clear()
                    throw TLSError("write timed out", kind: .timeout)
                case SSL_ERROR_SYSCALL where ERR_peek_error() == 0:
                    if err == EAGAIN || err == EWOULDBLOCK { throw TLSError("write timed out", kind: .timeout) }
                    throw TLSError("write failed: \(err == 0 ? "the peer closed the connection" : String(cString: strerror(err)))")
                default:
                    throw TLSError.openSSL("write failed")
                }
            }
            offset += Int(result)
        }
    }

    public func write(_ bytes: [UInt8]) throws(TLSError) {
        var failure: TLSError?
        bytes.withUnsafeBytes { raw in
            do throws(TLSError) { try write(raw) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Decrypted bytes OpenSSL holds that a read returns without touching the socket.
    public var hasBufferedBytes: Bool { SSL_has_pending(ssl) == 1 }

    public func shutdown() {
        _ = SSL_shutdown(ssl)
        OpenSSLErrorQueue.clear()
    }

    public var protocolVersion: String { String(cString: SSL_get_version(ssl)) }
    public var sessionReused: Bool { SSL_session_reused(ssl) == 1 }

    public var alpnProtocol: String? {
        ALPN.selected(by: ssl)
    }

    /// The session to offer on the next connection to the same server.
    public var session: TLSSession? {
        guard let session = SSL_get1_session(ssl) else { return nil }
        return TLSSession(session)
    }

    /// The subject common name of the server's certificate, for tests and logs.
    public var peerCommonName: String? {
        guard let certificate = SSL_get1_peer_certificate(ssl) else { return nil }
        defer { X509_free(certificate) }
        var buffer = [CChar](repeating: 0, count: 256)
        let length = X509_NAME_get_text_by_NID(X509_get_subject_name(certificate), NID_commonName, &buffer, 256)
        guard length > 0 else { return nil }
        return String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// A TLS session kept for resumption.
public final class TLSSession: @unchecked Sendable {
    // Sendable: an SSL_SESSION is reference counted by OpenSSL and immutable once made.
    let session: OpaquePointer
    init(_ session: OpaquePointer) { self.session = session }
    deinit { SSL_SESSION_free(session) }
}
