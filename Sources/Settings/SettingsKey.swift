/// Every key the config file and the environment know, by its name in the file.
public enum SettingsKey: String, Sendable, CaseIterable {
    case listen = "listen"
    case adminListen = "admin_listen"
    case publicURL = "public_url"
    case token = "token"
    case tlsCertFile = "tls.cert_file"
    case tlsKeyFile = "tls.key_file"
    case stateDir = "state_dir"
    case archiveDir = "archive_dir"
    case logFile = "log_file"
    case logLevel = "log_level"
    case apiBaseURL = "api.base_url"
    case apiKey = "api.key"
    case apiKeyFile = "api.key_file"
    case apiCAFile = "api.ca_file"
    case apiAcceptUnknownTasks = "api.accept_unknown_tasks"
    case apiReconcileGrace = "api.reconcile_grace"
    case downloadConcurrency = "download.concurrency"
    case downloadMaxBytes = "download.max_bytes"
    case downloadCAFile = "download.ca_file"
    case downloadAllowInternal = "download.allow_internal"
    case diskReserveBytes = "disk_reserve_bytes"
    case limitsMaxBodyBytes = "limits.max_body_bytes"
    case limitsMaxHeaderBytes = "limits.max_header_bytes"
    case limitsMaxHeaderCount = "limits.max_header_count"
    case limitsMaxURIBytes = "limits.max_uri_bytes"
    case limitsHandshakeTimeout = "limits.handshake_timeout"
    case limitsHeaderTimeout = "limits.header_timeout"
    case limitsBodyTimeout = "limits.body_timeout"
    case limitsIdleTimeout = "limits.idle_timeout"
    case limitsMaxConnections = "limits.max_connections"
    case limitsMaxConnectionsPerAddress = "limits.max_connections_per_address"
    case notifyWebhooks = "notify.webhooks"
    case notifyCommands = "notify.commands"
    case notifyConcurrency = "notify.concurrency"
    case notifyTimeout = "notify.timeout"
    case notifyRetryDelays = "notify.retry_delays"
    case s3Bucket = "s3.bucket"
    case s3Endpoint = "s3.endpoint"
    case s3Region = "s3.region"
    case s3Prefix = "s3.prefix"
    case s3PathStyle = "s3.path_style"
    case s3AccessKeyID = "s3.access_key_id"
    case s3SecretAccessKey = "s3.secret_access_key"
    case s3SecretAccessKeyFile = "s3.secret_access_key_file"
    case s3SessionToken = "s3.session_token"
    case s3StorageClass = "s3.storage_class"
    case s3PartSize = "s3.part_size"
    case s3KeepLocal = "s3.keep_local"
    case s3CAFile = "s3.ca_file"
    case ledgerURL = "ledger.url"
    case ledgerPasswordFile = "ledger.password_file"
    case adminToken = "admin.token"
    case adminTokenFile = "admin.token_file"

    public var name: String { rawValue }

    public static let environmentPrefix = "VIDEOHOOKD_"

    /// `tls.cert_file` → `VIDEOHOOKD_TLS_CERT_FILE`.
    public var environmentVariable: String {
        Self.environmentPrefix + rawValue.uppercased().replacingDots()
    }

    /// Variables with the prefix that name no key but are not typos. `VIDEOHOOKD_CONFIG`
    /// names the config file when `--config` is not given; `VIDEOHOOKD_TEST_LEASE_SECONDS`
    /// shortens the leases of a shared ledger for the end-to-end tests (not a setting:
    /// 30 s is right for every deployment).
    public static let otherEnvironmentVariables: Set<String> = [
        "VIDEOHOOKD_CONFIG", Settings.testLeaseSecondsVariable,
    ]

    /// The sections of the file: `tls:`, `api:`, `download:`, `limits:`, `notify:`, `s3:`, `ledger:`, `admin:`.
    static let sections: Set<String> = Set(allCases.compactMap(\.section))

    /// What SIGHUP does about a changed value of this key. Exhaustive on purpose: a new
    /// key does not compile until someone has said whether it can change live.
    public var reloadEffect: ReloadEffect {
        switch self {
        case .logFile: .reopenLog
        case .logLevel: .setLogLevel
        case .tlsCertFile, .tlsKeyFile: .reloadCertificate
        case .limitsMaxBodyBytes, .limitsMaxHeaderBytes, .limitsMaxHeaderCount, .limitsMaxURIBytes,
             .limitsHandshakeTimeout, .limitsHeaderTimeout, .limitsBodyTimeout, .limitsIdleTimeout,
             .limitsMaxConnectionsPerAddress:
            .updateRequestLimits
        case .downloadConcurrency: .setDownloadConcurrency
        case .apiKey, .apiKeyFile: .replaceAPIKey
        case .notifyWebhooks, .notifyCommands, .notifyConcurrency, .notifyTimeout, .notifyRetryDelays:
            .replaceNotifyTargets
        // A rejected or expired key must be fixable without a restart: the uploads that
        // failed on it resume once SIGHUP hands the store the new one.
        case .s3AccessKeyID, .s3SecretAccessKey, .s3SecretAccessKeyFile, .s3SessionToken:
            .replaceS3Credentials
        // Where objects go (bucket, endpoint, region, prefix, addressing, trust) is bound
        // into the store and into the upload ids the ledger keeps; the part size must stay
        // that of the uploads in flight; the storage class and keep_local follow them.
        case .s3Bucket, .s3Endpoint, .s3Region, .s3Prefix, .s3PathStyle, .s3StorageClass, .s3PartSize,
             .s3KeepLocal, .s3CAFile:
            .needsRestart
        // The ledger's connections are made at start; a new password is used by the next
        // connection libpq makes only after a restart, like the database they reach.
        case .ledgerURL, .ledgerPasswordFile:
            .needsRestart
        // The admin token signs the page's sessions, which a new token would end: changed
        // with a restart, like the listener it guards.
        case .adminToken, .adminTokenFile:
            .needsRestart
        // The listeners' sockets, the folders and the token are bound at start; the cap
        // on connections sizes what the event loops admit, which stays as it started.
        case .listen, .adminListen, .publicURL, .token, .stateDir, .archiveDir, .apiBaseURL,
             .apiCAFile, .apiAcceptUnknownTasks, .apiReconcileGrace,
             .downloadMaxBytes, .downloadCAFile, .downloadAllowInternal, .diskReserveBytes,
             .limitsMaxConnections:
            .needsRestart
        }
    }

    /// Settings that SIGHUP applies without a restart: the log, the certificate, request
    /// limits, download concurrency, the API key, `notify.*` and the S3 credentials. The
    /// rest (listeners, folders, token, public URL, download policy, the connection cap,
    /// where and how objects are stored) need `systemctl restart`.
    public var isLive: Bool { reloadEffect != .needsRestart }

    /// The section the key sits in (`s3` for `s3.bucket`); nil for a top-level key.
    public var section: String? {
        rawValue.firstIndex(of: ".").map { String(rawValue[..<$0]) }
    }
}

/// What a reload does for a key whose value changed.
public enum ReloadEffect: Sendable, Hashable, CaseIterable {
    case reopenLog
    case setLogLevel
    case reloadCertificate
    /// Request sizes and timeouts: the server reads them for each new request.
    case updateRequestLimits
    case setDownloadConcurrency
    case replaceAPIKey
    /// The webhooks, commands, their secrets, the schedule and the concurrency.
    case replaceNotifyTargets
    /// The object store's access key, secret and session token, for the next requests.
    case replaceS3Credentials
    /// The running value stays until a restart.
    case needsRestart
}

private extension String {
    func replacingDots() -> String {
        String(map { $0 == "." ? "_" : $0 })
    }
}
