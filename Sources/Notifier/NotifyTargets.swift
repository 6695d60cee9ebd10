import HTTPClient
import Outbox
import Settings
import TLS
import URLPolicy

/// The settings' webhooks and commands made ready to deliver: each with the stable key
/// its delivery rows carry (never a secret: a webhook by its URL without the query, a
/// command by its argv) and the events it takes.
public struct NotifyTargets: Sendable {
    public var endpoints: [String: NotifyEndpoint]
    /// For the ledger's fan-out, in the settings' order.
    public var targets: [NotificationTarget]

    public static let none = NotifyTargets(endpoints: [:], targets: [])

    /// Throws with a message naming the setting when a CA file does not load.
    public static func make(_ settings: NotifySettings, environment: [String: String],
                            resolver: any HostResolver = SystemHostResolver(),
                            connector: any SocketConnector = SystemSocketConnector()) throws -> NotifyTargets {
        var endpoints: [String: NotifyEndpoint] = [:]
        var targets: [NotificationTarget] = []
        func add(_ key: String, _ endpoint: NotifyEndpoint, events: [NotificationEventType]) {
            // Two targets with the same key (the same URL but for its query) stay apart.
            var unique = key
            var number = 2
            while endpoints[unique] != nil {
                unique = "\(key) #\(number)"
                number += 1
            }
            endpoints[unique] = endpoint
            targets.append(NotificationTarget(key: unique, events: Set(events)))
        }
        // The operator's own endpoints: internal addresses and plain http are allowed.
        let policy = URLPolicy(allowInternal: true, allowPlainHTTP: true, resolver: resolver)
        for (index, webhook) in settings.webhooks.enumerated() {
            let tls = try TLSClientContext(extraCAFile: webhook.caFile,
                                           caFileSetting: "notify.webhooks[\(index)].ca_file")
            let client = HTTPSClient(tls: tls, policy: policy, connector: connector,
                                     timeouts: .init(connectMilliseconds: min(10_000, settings.timeout.milliseconds),
                                                     readMilliseconds: settings.timeout.milliseconds),
                                     userAgent: "videohookd/1.0 (webhooks)")
            let secrets = try webhook.secrets.map { secret in try WebhookSecret(parsing: secret.value) }
            let endpoint = WebhookEndpoint(url: webhook.url, signer: WebhookSigner(secrets: secrets), client: client,
                                           timeout: settings.timeout)
            add("webhook " + LoggableURL.withoutQuery(webhook.url), .webhook(endpoint), events: webhook.events)
        }
        for command in settings.commands {
            let endpoint = CommandEndpoint(run: command.run, timeout: command.timeout, baseEnvironment: environment)
            add("command " + command.run.joined(separator: " "), .command(endpoint), events: command.events)
        }
        return NotifyTargets(endpoints: endpoints, targets: targets)
    }
}
