/// Where one target's deliveries go.
public enum NotifyEndpoint: Sendable {
    case webhook(WebhookEndpoint)
    case command(CommandEndpoint)

    public var kind: NotifyTargetKind {
        switch self {
        case .webhook: .webhook
        case .command: .command
        }
    }
}
