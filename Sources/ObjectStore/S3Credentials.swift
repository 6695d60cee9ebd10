/// The key pair (and the session token of temporary credentials) requests are signed
/// with. Its description names the access key id only: the secret and the token never
/// reach a log line or an error message through it.
public struct S3Credentials: Sendable, CustomStringConvertible {
    public var accessKeyID: String
    public var secretAccessKey: String
    /// Set for temporary credentials (STS, an instance role); sent as `x-amz-security-token`.
    public var sessionToken: String?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    public var description: String {
        "S3Credentials(accessKeyID: \(accessKeyID), secretAccessKey: <redacted>\(sessionToken == nil ? "" : ", sessionToken: <redacted>"))"
    }

    /// `text` with the secret and the token replaced: for text that came from elsewhere
    /// (a server's error message) before it goes into an error of ours.
    func redacting(_ text: String) -> String {
        var text = text
        for secret in [secretAccessKey, sessionToken ?? ""] where secret.count >= 4 {
            text = text.replacing(secret, with: "<redacted>")
        }
        return text
    }
}
