/// Why a webhook secret was refused, as a sentence that says how to make a good one. It
/// never repeats the secret (or any part of it): the message goes to logs and terminals.
public struct WebhookSecretError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String

    init(_ problem: String) {
        message = "\(problem); make one with: openssl rand -base64 32 | sed 's/^/whsec_/'"
    }

    public var description: String { message }
}
