import Ledger
import Logging
import Notifier
import Settings
import Telemetry

extension ServeRuntime {
    /// The notifier as `notify` describes it, not yet started. Without targets it still
    /// runs: events are kept, and a target added by SIGHUP gets the ones after it.
    func makeNotifications(ledger: Ledger) throws -> NotificationService {
        let settings = self.settings.notify
        for webhook in settings.webhooks {
            for secret in webhook.secrets { redactor.registerSecret(secret.value) }
        }
        let targets: NotifyTargets
        do {
            targets = try NotifyTargets.make(settings, environment: environment)
        } catch {
            throw ServeError("notify: \(error)")
        }
        let metrics = self.metrics
        for warning in self.settings.warnings {
            logger.warning("settings.warning", metadata: ["warning": "\(warning)"])
        }
        return NotificationService(ledger: ledger, targets: targets, retryDelays: settings.retryDelays,
                                   concurrency: settings.concurrency, logger: logger) { target, outcome in
            metrics.delivery(target: target, outcome: DaemonMetrics.DeliveryOutcome(outcome))
        }
    }

    /// SIGHUP with changed `notify.*`: new targets and secrets for the next deliveries.
    /// A CA file that does not load keeps the previous targets, and the log says why.
    func replaceNotifyTargets(_ settings: NotifySettings) {
        for webhook in settings.webhooks {
            for secret in webhook.secrets { redactor.registerSecret(secret.value) }
        }
        do {
            let targets = try NotifyTargets.make(settings, environment: environment)
            notifications?.replace(targets: targets, retryDelays: settings.retryDelays, concurrency: settings.concurrency)
        } catch {
            logger.error("notify.reload_failed", metadata: ["reason": "\(error)", "kept": "the previous targets"])
        }
    }
}

extension DaemonMetrics.DeliveryOutcome {
    init(_ outcome: DeliveryAttempt.Outcome) {
        switch outcome {
        case .delivered: self = .delivered
        case .retry: self = .retry
        case .failed: self = .failed
        }
    }
}
