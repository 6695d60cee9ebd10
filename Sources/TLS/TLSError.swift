import COpenSSL

/// A TLS set-up failure, with the file and the setting it concerns, so that a start that
/// fails says which file to fix ("tls.key_file /etc/x.key: does not match tls.cert_file").
public struct TLSError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure, for a client that treats them differently (the downloader
    /// retries a timeout soon, and says plainly when a certificate is not trusted).
    public enum Kind: Sendable, Equatable {
        case general
        /// The peer's chain does not lead to a trusted authority, or is expired or invalid.
        case untrustedCertificate
        /// The certificate is valid but for another host name or address.
        case nameMismatch
        /// The socket's read or write timeout passed.
        case timeout
    }

    public var message: String
    public var kind: Kind

    public init(_ message: String, kind: Kind = .general) {
        self.message = message
        self.kind = kind
    }

    /// `context` followed by OpenSSL's own reasons, taken (and cleared) from the
    /// thread's error queue.
    public static func openSSL(_ context: String) -> TLSError {
        let reasons = OpenSSLErrorQueue.drain()
        return TLSError(reasons.isEmpty ? context : "\(context): \(reasons.joined(separator: "; "))")
    }

    public var description: String { message }
}

/// OpenSSL keeps its errors in a per-thread queue; a stale entry would be blamed on the
/// next operation, so every failure path drains it.
enum OpenSSLErrorQueue {
    static func drain() -> [String] {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            if let reason = ERR_reason_error_string(code) {
                reasons.append(String(cString: reason))
            } else {
                reasons.append("error \(code)")
            }
        }
        return reasons
    }

    static func clear() { ERR_clear_error() }
}
