import Foundation

/// A Standard Webhooks signing secret: `whsec_` followed by the key in standard base64.
/// The key is what signs; nothing that prints a secret shows it.
public struct WebhookSecret: Sendable, Equatable, CustomStringConvertible, CustomReflectable {
    static let prefix = "whsec_"
    /// 24 bytes is the shortest key the spec's own examples use (192 bits); past 64
    /// bytes (HMAC-SHA256's block) a longer key is hashed down and adds nothing.
    static let keyBytes = 24...64

    public let key: [UInt8]

    /// Reads `whsec_<base64>`. Whitespace around it is dropped: a `secret_file` usually
    /// ends with a newline.
    public init(parsing text: String) throws(WebhookSecretError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix(Self.prefix) else {
            throw WebhookSecretError("a webhook secret starts with whsec_ followed by base64")
        }
        let encoded = trimmed.dropFirst(Self.prefix.count)
        // Foundation's decoder takes the standard alphabet with its padding, and refuses
        // anything else (URL-safe `-_`, spaces, a length that is not a multiple of 4).
        guard let decoded = Data(base64Encoded: String(encoded)) else {
            throw WebhookSecretError(
                "the webhook secret after whsec_ is not standard base64 (A-Z a-z 0-9 + /, padded with =)")
        }
        guard Self.keyBytes.contains(decoded.count) else {
            throw WebhookSecretError(
                "the webhook secret's key is \(decoded.count) bytes; it must be \(Self.keyBytes.lowerBound) to "
                    + "\(Self.keyBytes.upperBound) bytes")
        }
        key = Array(decoded)
    }

    /// `whsec_…(32-byte key)`: enough to tell secrets apart by size, never the key.
    public var description: String { "\(Self.prefix)…(\(key.count)-byte key)" }

    /// `dump` and debuggers show the description too, not the key's bytes.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
