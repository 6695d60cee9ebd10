import COpenSSL

/// HMAC-SHA256 (RFC 2104) on the same OpenSSL as ``SHA256Digest``: what signs webhook
/// bodies. OpenSSL 3 keeps the one-shot `HMAC()` undeprecated (only the `HMAC_CTX`
/// functions went), and a whole webhook body is in memory anyway, so no context is kept.
public enum HMACSHA256 {
    /// The 32-byte authentication code of `message` under `key` (any length; a key longer
    /// than the 64-byte block is hashed first, as RFC 2104 says).
    public static func authenticationCode(key: [UInt8], message: [UInt8]) -> [UInt8] {
        // An empty array may have no storage; OpenSSL wants real pointers, and reads
        // none of these bytes when the length it is given is 0.
        let keyBytes = key.isEmpty ? [0] : key
        let messageBytes = message.isEmpty ? [0] : message
        var output = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let result = HMAC(EVP_sha256(), keyBytes, Int32(key.count), messageBytes, message.count, &output, &length)
        guard result != nil, length == 32 else { fatalError("HMAC(sha256) failed: OpenSSL has no SHA-256") }
        return output
    }
}
