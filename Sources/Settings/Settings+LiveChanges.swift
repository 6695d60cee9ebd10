extension Settings {
    /// What a SIGHUP reload changed, split into the keys the daemon applies now and the
    /// keys that only take effect after a restart (to be logged as a warning).
    /// `self` is the newly loaded settings, `old` those in force.
    public func liveChanges(from old: Settings) -> (applied: [SettingsKey], needRestart: [SettingsKey]) {
        var applied: [SettingsKey] = []
        var needRestart: [SettingsKey] = []
        for key in SettingsKey.allCases
            where renderedValue(of: key, revealingSecrets: true) != old.renderedValue(of: key, revealingSecrets: true) {
            if key.isLive {
                applied.append(key)
            } else {
                needRestart.append(key)
            }
        }
        return (applied, needRestart)
    }

    /// These settings with the running value put back for every key in `keys` that
    /// cannot change without a restart, so that what the daemon applies and reports is
    /// what it actually does. Live keys keep their new value.
    public func keepingRunningValues(of keys: [SettingsKey], from running: Settings) -> Settings {
        var kept = self
        for key in keys {
            switch key {
            case .listen: kept.listen = running.listen
            case .adminListen: kept.adminListen = running.adminListen
            case .publicURL: kept.publicURL = running.publicURL
            case .token: kept.token = running.token
            case .stateDir: kept.stateDirectory = running.stateDirectory
            case .archiveDir: kept.archiveDirectory = running.archiveDirectory
            case .apiBaseURL: kept.api.baseURL = running.api.baseURL
            case .apiCAFile: kept.api.caFile = running.api.caFile
            case .apiAcceptUnknownTasks: kept.api.acceptUnknownTasks = running.api.acceptUnknownTasks
            case .apiReconcileGrace: kept.api.reconcileGrace = running.api.reconcileGrace
            case .downloadMaxBytes: kept.download.maxBytes = running.download.maxBytes
            case .downloadCAFile: kept.download.caFile = running.download.caFile
            case .downloadAllowInternal: kept.download.allowInternal = running.download.allowInternal
            case .diskReserveBytes: kept.diskReserveBytes = running.diskReserveBytes
            case .limitsMaxConnections: kept.limits.maxConnections = running.limits.maxConnections
            case .logFile, .logLevel, .tlsCertFile, .tlsKeyFile, .apiKey, .apiKeyFile, .downloadConcurrency,
                 .limitsMaxBodyBytes, .limitsMaxHeaderBytes, .limitsMaxHeaderCount, .limitsMaxURIBytes,
                 .limitsHeaderTimeout, .limitsBodyTimeout, .limitsIdleTimeout,
                 .notifyWebhooks, .notifyCommands, .notifyConcurrency, .notifyTimeout, .notifyRetryDelays:
                // Live: the new value is the one in force.
                break
            }
        }
        return kept
    }
}
