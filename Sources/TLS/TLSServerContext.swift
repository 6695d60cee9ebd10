import COpenSSL

/// The server's TLS configuration: TLS 1.2 and 1.3 only, ECDHE key exchange only, ALPN
/// `http/1.1`, session resumption (tickets) on, one certificate chain and key.
///
/// Sendable: an `SSL_CTX` is safe to share between threads once configured; sessions are
/// created from it concurrently, and it is never reconfigured after `init` (a reload
/// builds a new context).
public final class TLSServerContext: @unchecked Sendable {
    let context: OpaquePointer
    public let certificateFile: String
    public let keyFile: String

    /// Loads the PEM chain (leaf first) and its key (ECDSA or RSA) and checks that they
    /// belong together. Every failure names the file and the problem.
    public init(certificateFile: String, keyFile: String) throws(TLSError) {
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        OpenSSLErrorQueue.clear()
        try PEMFiles.checkReadable(certificateFile, setting: "tls.cert_file")
        try PEMFiles.checkReadable(keyFile, setting: "tls.key_file")
        guard let context = SSL_CTX_new(TLS_server_method()) else {
            throw TLSError.openSSL("cannot create a TLS context")
        }
        // From here on `deinit` frees the context, also when a check below throws.
        self.context = context
        try configureProtocol()
        guard SSL_CTX_use_certificate_chain_file(context, certificateFile) == 1 else {
            throw TLSError.openSSL("tls.cert_file \(certificateFile): not a PEM certificate chain")
        }
        guard SSL_CTX_use_PrivateKey_file(context, keyFile, SSL_FILETYPE_PEM) == 1 else {
            throw TLSError.openSSL("tls.key_file \(keyFile): not a PEM private key, or it does not match tls.cert_file \(certificateFile)")
        }
        guard SSL_CTX_check_private_key(context) == 1 else {
            throw TLSError.openSSL("tls.key_file \(keyFile): does not match the certificate in tls.cert_file \(certificateFile)")
        }
    }

    deinit { SSL_CTX_free(context) }

    private func configureProtocol() throws(TLSError) {
        guard vh_SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION) == 1,
              vh_SSL_CTX_set_max_proto_version(context, TLS1_3_VERSION) == 1 else {
            throw TLSError.openSSL("cannot limit TLS to versions 1.2 and 1.3")
        }
        // TLS 1.2: forward-secret ECDHE suites with AEAD ciphers only. TLS 1.3 suites are
        // all ephemeral already; the groups list keeps them on elliptic curves.
        guard SSL_CTX_set_cipher_list(context, "ECDHE+AESGCM:ECDHE+CHACHA20") == 1,
              vh_SSL_CTX_set1_groups_list(context, "X25519:P-256:P-384") == 1 else {
            throw TLSError.openSSL("cannot set the ECDHE cipher suites")
        }
        _ = SSL_CTX_set_options(context, vh_SSL_OP_NO_COMPRESSION() | vh_SSL_OP_NO_RENEGOTIATION()
                                | vh_SSL_OP_CIPHER_SERVER_PREFERENCE() | vh_SSL_OP_IGNORE_UNEXPECTED_EOF())
        // Idle keep-alive connections give their read and write buffers back, so thousands
        // of them cost little memory; partial writes suit the non-blocking socket.
        _ = vh_SSL_CTX_set_mode(context, Int(SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE
                                        | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER))
        // Read-ahead: one read(2) takes every record the socket holds, instead of two
        // reads per record (its 5-byte header, then its body). A new connection's
        // ClientHello, its Finished and the request cost three reads, not eight. Records
        // read ahead wait in OpenSSL's buffer, where epoll cannot see them: the server's
        // connections ask `hasBufferedInput` wherever they stop reading early.
        vh_SSL_CTX_set_read_ahead(context, 1)
        // Resumption through session tickets only (stateless, TLS 1.2 and 1.3): a
        // server-side cache would hold an entry for every client that never comes back,
        // and OpenSSL walks the whole cache to expire entries every 255 handshakes.
        _ = vh_SSL_CTX_set_session_cache_mode(context, Int(SSL_SESS_CACHE_OFF))
        let sessionContext: [UInt8] = Array("videohookd".utf8)
        _ = SSL_CTX_set_session_id_context(context, sessionContext, UInt32(sessionContext.count))
        // TLS 1.3: one ticket per connection, not OpenSSL's two. The video API opens a
        // connection per callback, one after another, and each connection hands out the
        // ticket for the next; the second would only cost a ticket's encryption and a
        // packet on every handshake.
        _ = SSL_CTX_set_num_tickets(context, 1)
        SSL_CTX_set_alpn_select_cb(context, alpnSelectHTTP11, nil)
    }
}

/// The only protocol we speak, in ALPN wire form (length-prefixed). Static storage: the
/// selected protocol pointer handed back to OpenSSL must outlive the handshake.
nonisolated(unsafe) private let alpnHTTP11: UnsafeMutablePointer<UInt8> = {
    let wire = ALPN.http11Wire
    let pointer = UnsafeMutablePointer<UInt8>.allocate(capacity: wire.count)
    pointer.initialize(from: wire, count: wire.count)
    return pointer
}()

/// ALPN: pick `http/1.1` when the client offers it; a client that offers only other
/// protocols (h2) gets no ALPN answer and may still speak HTTP/1.1.
private func alpnSelectHTTP11(
    _ ssl: OpaquePointer?, _ out: UnsafeMutablePointer<UnsafePointer<UInt8>?>?,
    _ outLength: UnsafeMutablePointer<UInt8>?, _ offered: UnsafePointer<UInt8>?,
    _ offeredLength: UInt32, _ argument: UnsafeMutableRawPointer?
) -> Int32 {
    var selected: UnsafeMutablePointer<UInt8>? = nil
    let result = SSL_select_next_proto(&selected, outLength, alpnHTTP11, UInt32(ALPN.http11Wire.count), offered, offeredLength)
    guard result == OPENSSL_NPN_NEGOTIATED, let selected else { return SSL_TLSEXT_ERR_NOACK }
    out?.pointee = UnsafePointer(selected)
    return SSL_TLSEXT_ERR_OK
}
