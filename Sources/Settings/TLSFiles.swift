/// The `tls.*` settings: a PEM certificate chain and its key. Both nil means the daemon
/// makes a self-signed certificate in the state folder.
public struct TLSFiles: Sendable, Equatable {
    public var certFile: String?
    public var keyFile: String?

    public init(certFile: String? = nil, keyFile: String? = nil) {
        self.certFile = certFile
        self.keyFile = keyFile
    }

    /// True when the daemon should make (or reuse) its own self-signed certificate.
    public var usesSelfSigned: Bool {
        certFile == nil && keyFile == nil
    }
}
