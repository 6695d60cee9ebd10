import COpenSSL

/// ALPN on both sides of the daemon's TLS: it speaks HTTP/1.1 only.
enum ALPN {
    /// `http/1.1` in ALPN wire form (length-prefixed), as offered and as selected.
    static let http11Wire: [UInt8] = [8] + Array("http/1.1".utf8)

    /// The protocol the handshake on `ssl` chose, if any.
    static func selected(by ssl: OpaquePointer) -> String? {
        var data: UnsafePointer<UInt8>? = nil
        var length: UInt32 = 0
        SSL_get0_alpn_selected(ssl, &data, &length)
        guard let data, length > 0 else { return nil }
        return String(decoding: UnsafeBufferPointer(start: data, count: Int(length)), as: UTF8.self)
    }
}
