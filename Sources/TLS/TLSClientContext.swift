import COpenSSL

/// The client side, for the downloader and the video API client (and the tests): TLS 1.2+,
/// the peer's chain checked against the system's trust store plus an extra CA file, and
/// the host name checked against the certificate.
///
/// Sendable for the same reason as the server context: configured once, then only used
/// to create sessions.
public final class TLSClientContext: @unchecked Sendable {
    let context: OpaquePointer
    public let verifiesPeer: Bool

    /// - Parameters:
    ///   - extraCAFile: PEM certificates trusted besides the system's.
    ///   - caFileSetting: the setting that named `extraCAFile`, for the error message.
    ///   - verifyPeer: false only in tests that talk to a self-signed server on purpose.
    ///   - maxVersion: for tests that check an old protocol is refused (`TLS1_1_VERSION`).
    public init(extraCAFile: String? = nil, caFileSetting: String = "download.ca_file", useSystemTrust: Bool = true,
                verifyPeer: Bool = true,
                minVersion: Int32? = nil, maxVersion: Int32? = nil) throws(TLSError) {
        OpenSSLErrorQueue.clear()
        guard let context = SSL_CTX_new(TLS_client_method()) else { throw TLSError.openSSL("cannot create a TLS context") }
        self.context = context
        self.verifiesPeer = verifyPeer
        if let minVersion {
            // A test that asks for an old protocol must be able to offer it.
            SSL_CTX_set_security_level(context, 0)
            _ = vh_SSL_CTX_set_min_proto_version(context, minVersion)
        } else {
            _ = vh_SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION)
        }
        if let maxVersion { _ = vh_SSL_CTX_set_max_proto_version(context, maxVersion) }
        SSL_CTX_set_verify(context, verifyPeer ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nil)
        if useSystemTrust, SSL_CTX_set_default_verify_paths(context) != 1 {
            throw TLSError.openSSL("cannot load the system's trusted certificates")
        }
        if let extraCAFile {
            try PEMFiles.checkReadable(extraCAFile, setting: caFileSetting)
            guard SSL_CTX_load_verify_locations(context, extraCAFile, nil) == 1 else {
                throw TLSError.openSSL("\(caFileSetting) \(extraCAFile): not a PEM certificate file")
            }
        }
        _ = vh_SSL_CTX_set_session_cache_mode(context, Int(SSL_SESS_CACHE_CLIENT))
        _ = SSL_CTX_set_alpn_protos(context, ALPN.http11Wire, UInt32(ALPN.http11Wire.count))
    }

    deinit { SSL_CTX_free(context) }
}
