/// The two kinds of place a notification goes: one of the operator's webhooks (an HTTP
/// POST, signed per Standard Webhooks) or one of its commands (run with the body on
/// standard input).
public enum NotifyTargetKind: String, Sendable, Codable {
    case webhook
    case command
}
