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
    case limitsHeaderTimeout = "limits.header_timeout"
    case limitsBodyTimeout = "limits.body_timeout"
    case limitsIdleTimeout = "limits.idle_timeout"
    case limitsMaxConnections = "limits.max_connections"

    public var name: String { rawValue }

    public static let environmentPrefix = "VIDEOHOOKD_"

    /// `tls.cert_file` → `VIDEOHOOKD_TLS_CERT_FILE`.
    public var environmentVariable: String {
        Self.environmentPrefix + rawValue.uppercased().replacingDots()
    }

    /// Variables with the prefix that name no key but are not typos. `VIDEOHOOKD_CONFIG`
    /// names the config file when `--config` is not given.
    public static let otherEnvironmentVariables: Set<String> = ["VIDEOHOOKD_CONFIG"]

    /// The sections of the file: `tls:`, `api:`, `download:`, `limits:`.
    static let sections: Set<String> = Set(allCases.compactMap { key in
        key.rawValue.firstIndex(of: ".").map { String(key.rawValue[..<$0]) }
    })

    /// Settings that SIGHUP applies without a restart: the log, the certificate, request
    /// limits, download concurrency and the API key. The rest (listeners, folders, token,
    /// public URL, download policy) need `systemctl restart`.
    public var isLive: Bool {
        switch self {
        case .logFile, .logLevel, .tlsCertFile, .tlsKeyFile,
             .limitsMaxBodyBytes, .limitsMaxHeaderBytes, .limitsMaxHeaderCount, .limitsMaxURIBytes,
             .limitsHeaderTimeout, .limitsBodyTimeout, .limitsIdleTimeout,
             .downloadConcurrency, .apiKey, .apiKeyFile:
            true
        case .listen, .adminListen, .publicURL, .token, .stateDir, .archiveDir, .apiBaseURL,
             .apiCAFile, .apiAcceptUnknownTasks, .apiReconcileGrace,
             .downloadMaxBytes, .downloadCAFile, .downloadAllowInternal, .diskReserveBytes,
             .limitsMaxConnections:
            false
        }
    }
}

private extension String {
    func replacingDots() -> String {
        String(map { $0 == "." ? "_" : $0 })
    }
}
