/// The daemon's settings: embedded defaults, then the config file, then `VIDEOHOOKD_*`
/// environment variables, each overriding the one before (and, for `s3.*` only, the
/// AWS variables between the defaults and the file).
///
/// Printing a `Settings` never shows the token, the API key or another secret (see ``Secret``).
public struct Settings: Sendable, Equatable {
    /// The callback listener (TLS).
    public var listen: ListenAddress
    /// Health, readiness and metrics (plain HTTP), loopback by default.
    public var adminListen: ListenAddress
    /// How the video API reaches us, `https://host[:port]`, without a trailing slash.
    public var publicURL: String?
    /// The secret path segment of the callback URL; nil: made on first start.
    public var token: Secret?
    public var tls: TLSFiles
    /// The ledger, the token, the self-signed certificate.
    public var stateDirectory: String
    /// Where videos land.
    public var archiveDirectory: String
    public var logFile: String
    public var logLevel: LogLevelName
    public var api: APISettings
    public var download: DownloadSettings
    /// Free space kept on the archive's disk.
    public var diskReserveBytes: Int
    public var limits: ConnectionLimits
    /// The operator's webhooks and commands (`notify`).
    public var notify = NotifySettings()
    /// The object store the archive goes to; nil (no `s3.bucket`): the file system only.
    public var s3: S3Settings? = nil
    /// `ledger.*`: nil keeps the ledger SQLite in `state_dir`.
    public var ledger: LedgerSettings? = nil
    /// `admin.*`: who may use the archive page and API off loopback.
    public var admin = AdminSettings()
    /// What loading found allowed but worth a second look, each with the key and where it
    /// was set; part of ``warnings``.
    public internal(set) var loadWarnings: [SettingsProblem] = []

    public init(
        listen: ListenAddress = ListenAddress(host: "0.0.0.0", port: 8443),
        adminListen: ListenAddress = ListenAddress(host: "127.0.0.1", port: 9090),
        publicURL: String? = nil,
        token: Secret? = nil,
        tls: TLSFiles = TLSFiles(),
        stateDirectory: String = Settings.fallbackStateDirectory,
        archiveDirectory: String? = nil,
        logFile: String? = nil,
        logLevel: LogLevelName = .info,
        api: APISettings = APISettings(),
        download: DownloadSettings = DownloadSettings(),
        diskReserveBytes: Int = 1 << 30,
        limits: ConnectionLimits = ConnectionLimits()
    ) {
        self.listen = listen
        self.adminListen = adminListen
        self.publicURL = publicURL
        self.token = token
        self.tls = tls
        self.stateDirectory = stateDirectory
        self.archiveDirectory = archiveDirectory ?? Self.archiveDirectory(in: stateDirectory)
        self.logFile = logFile ?? Self.logFile(in: stateDirectory)
        self.logLevel = logLevel
        self.api = api
        self.download = download
        self.diskReserveBytes = diskReserveBytes
        self.limits = limits
    }

    /// The state folder when neither the settings nor systemd (`StateDirectory=`) name one.
    public static let fallbackStateDirectory = "./videohookd-state"

    /// Names the config file when `--config` is not given.
    public static let configFileVariable = "VIDEOHOOKD_CONFIG"

    /// For the tests only: the length of `serve`'s leases in seconds (default 30), so that
    /// a test of a takeover need not wait half a minute. Not a setting, and not in
    /// `check-config`'s list: an operator has no reason to change it.
    public static let testLeaseSecondsVariable = "VIDEOHOOKD_TEST_LEASE_SECONDS"

    /// The embedded defaults, with systemd's `STATE_DIRECTORY` and `LOGS_DIRECTORY`
    /// (`StateDirectory=`, `LogsDirectory=` in the unit) taken into account.
    public static func defaults(environment: [String: String]) -> Settings {
        let state = firstDirectory(environment["STATE_DIRECTORY"]) ?? fallbackStateDirectory
        let logs = firstDirectory(environment["LOGS_DIRECTORY"])
        return Settings(stateDirectory: state, logFile: logs.map { $0 + "/videohookd.log" })
    }

    /// The config file to read: `--config`, else `$VIDEOHOOKD_CONFIG`, else none.
    public static func configFile(option: String?, environment: [String: String]) -> String? {
        if let option { return option }
        guard let variable = environment[configFileVariable], !variable.isEmpty else { return nil }
        return variable
    }

    static func archiveDirectory(in stateDirectory: String) -> String {
        stateDirectory + "/archive"
    }

    static func logFile(in stateDirectory: String) -> String {
        stateDirectory + "/videohookd.log"
    }

    /// systemd passes several folders separated by colons when the unit names several;
    /// the first is ours.
    private static func firstDirectory(_ value: String?) -> String? {
        guard let first = value?.split(separator: ":").first, !first.isEmpty else { return nil }
        return String(first)
    }
}
