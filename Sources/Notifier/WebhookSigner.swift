import Foundation
import Hashing

/// Signs a webhook delivery as the Standard Webhooks specification says: HMAC-SHA256 of
/// `<id>.<timestamp>.<body>` with each secret's key, written `v1,<base64>`. While a
/// secret is being rotated both are set, and a receiver that knows either one accepts.
public struct WebhookSigner: Sendable {
    let secrets: [WebhookSecret]

    /// At least one secret: the settings refuse a webhook without one, and an unsigned
    /// delivery must never go out by accident.
    public init(secrets: [WebhookSecret]) {
        precondition(!secrets.isEmpty, "a webhook signer needs at least one secret")
        self.secrets = secrets
    }

    /// The `webhook-signature` value: one `v1,<base64 MAC>` per secret, in the order of
    /// the secrets, separated by single spaces.
    public func signature(id: String, timestamp: Int64, body: [UInt8]) -> String {
        let content = Array("\(id).\(timestamp).".utf8) + body
        return secrets.map { secret in
            "v1," + Data(HMACSHA256.authenticationCode(key: secret.key, message: content)).base64EncodedString()
        }.joined(separator: " ")
    }

    /// The fields a delivery carries besides the client's own: the event's id, the time
    /// it was signed (unix seconds), the signature, and the body's type.
    public func headers(id: String, timestamp: Int64, body: [UInt8]) -> [(String, String)] {
        [
            ("webhook-id", id),
            ("webhook-timestamp", String(timestamp)),
            ("webhook-signature", signature(id: id, timestamp: timestamp, body: body)),
            ("Content-Type", "application/json"),
        ]
    }
}
