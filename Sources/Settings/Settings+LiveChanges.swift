extension Settings {
    /// What a SIGHUP reload changed, split into the keys the daemon applies now and the
    /// keys that only take effect after a restart (to be logged as a warning).
    /// `self` is the newly loaded settings, `old` those in force.
    public func liveChanges(from old: Settings) -> (applied: [SettingsKey], needRestart: [SettingsKey]) {
        var applied: [SettingsKey] = []
        var needRestart: [SettingsKey] = []
        // Turning object storage on or off needs a restart; until then there is no store
        // (or only the old one) for new credentials to go to.
        let s3Toggled = (s3 == nil) != (old.s3 == nil)
        for key in SettingsKey.allCases
            where renderedValue(of: key, revealingSecrets: true) != old.renderedValue(of: key, revealingSecrets: true) {
            if key.isLive && !(s3Toggled && key.section == "s3") {
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
            case .s3Bucket, .s3Endpoint, .s3Region, .s3Prefix, .s3PathStyle, .s3StorageClass, .s3PartSize,
                 .s3KeepLocal, .s3CAFile, .s3AccessKeyID, .s3SecretAccessKey, .s3SecretAccessKeyFile, .s3SessionToken:
                kept.s3 = Self.keepingRunningValue(of: key, in: kept.s3, from: running.s3)
            // Both at once: the URL and its password only make sense together.
            case .ledgerURL, .ledgerPasswordFile: kept.ledger = running.ledger
            case .adminToken, .adminTokenFile: kept.admin = running.admin
            case .logFile, .logLevel, .tlsCertFile, .tlsKeyFile, .apiKey, .apiKeyFile, .downloadConcurrency,
                 .limitsMaxBodyBytes, .limitsMaxHeaderBytes, .limitsMaxHeaderCount, .limitsMaxURIBytes,
                 .limitsHandshakeTimeout, .limitsHeaderTimeout, .limitsBodyTimeout, .limitsIdleTimeout,
                 .limitsMaxConnectionsPerAddress,
                 .notifyWebhooks, .notifyCommands, .notifyConcurrency, .notifyTimeout, .notifyRetryDelays:
                // Live: the new value is the one in force.
                break
            }
        }
        return kept
    }

    /// One `s3.*` key put back. When object storage is turned on or off, everything
    /// under `s3` stays as it runs: the credentials too, which have no store to go to.
    private static func keepingRunningValue(of key: SettingsKey, in new: S3Settings?,
                                            from running: S3Settings?) -> S3Settings? {
        guard var kept = new, let running else { return running }
        switch key {
        case .s3Bucket: kept.bucket = running.bucket
        case .s3Endpoint: kept.endpoint = running.endpoint
        case .s3Region: kept.region = running.region
        case .s3Prefix: kept.prefix = running.prefix
        case .s3PathStyle: kept.pathStyle = running.pathStyle
        case .s3StorageClass: kept.storageClass = running.storageClass
        case .s3PartSize: kept.partSize = running.partSize
        case .s3KeepLocal: kept.keepLocal = running.keepLocal
        case .s3CAFile: kept.caFile = running.caFile
        // Live keys, asked for only when the store was turned on or off (see liveChanges,
        // and the guard above); put back one by one all the same, as asked.
        case .s3AccessKeyID: kept.credentials.accessKeyID = running.credentials.accessKeyID
        case .s3SecretAccessKey: kept.credentials.secretAccessKey = running.credentials.secretAccessKey
        case .s3SecretAccessKeyFile: kept.credentials.secretAccessKeyFile = running.credentials.secretAccessKeyFile
        case .s3SessionToken: kept.credentials.sessionToken = running.credentials.sessionToken
        default:
            return kept
        }
        return kept
    }
}
