import Outbox

/// `notify`: the operator's webhooks and commands, and how deliveries are paced.
public struct NotifySettings: Sendable, Equatable {
    public static let defaultRetryDelays: [Duration] = [.seconds(5), .seconds(300), .seconds(1800), .seconds(7200),
                                                        .seconds(18_000), .seconds(36_000), .seconds(36_000)]
    public static let concurrencyRange = 1...64
    public static let maxRetryDelays = 20

    public var webhooks: [WebhookTargetSettings] = []
    public var commands: [CommandTargetSettings] = []
    public var concurrency = 4
    /// One webhook attempt, from connect to the last byte of the answer.
    public var timeout: Duration = .seconds(15)
    public var retryDelays: [Duration] = NotifySettings.defaultRetryDelays

    public init() {}

    public var hasTargets: Bool { !webhooks.isEmpty || !commands.isEmpty }
}

/// One entry of `notify.webhooks`.
public struct WebhookTargetSettings: Sendable, Equatable {
    public var url: String
    /// From `secret` (one, or a list while rotating) or `secret_file` (one per line).
    public var secrets: [Secret]
    public var secretFile: String?
    public var events: [NotificationEventType]
    public var caFile: String?

    public init(url: String, secrets: [Secret], secretFile: String? = nil,
                events: [NotificationEventType] = NotificationEventType.allCases, caFile: String? = nil) {
        self.url = url
        self.secrets = secrets
        self.secretFile = secretFile
        self.events = events
        self.caFile = caFile
    }
}

/// One entry of `notify.commands`.
public struct CommandTargetSettings: Sendable, Equatable {
    /// argv: no shell.
    public var run: [String]
    public var events: [NotificationEventType]
    public var timeout: Duration

    public init(run: [String], events: [NotificationEventType] = NotificationEventType.allCases,
                timeout: Duration = .seconds(300)) {
        self.run = run
        self.events = events
        self.timeout = timeout
    }
}
