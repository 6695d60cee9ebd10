import Foundation

/// Builds `Settings` from the merged raw values: each key read by its type rules over
/// the defaults, then the rules that join keys (derived folders, key or key file, both
/// TLS files or neither).
struct SettingsBuilder {
    static let sizeCeiling = 1 << 50
    static let timeoutRange: ClosedRange<Duration> = .milliseconds(1) ... .seconds(3_600)
    /// 22 characters of the URL-safe alphabet carry 128 bits: the floor `serve` holds a
    /// configured token to (`CallbackToken(validating:)`), so check-config says the same.
    static let tokenLength = 22...256
    static let apiKeyLength = 1...4096
    static let graceRange: ClosedRange<Duration> = .seconds(0) ... .seconds(86_400)

    private var reader: SettingsValueReader
    private let environment: [String: String]

    init(values: [SettingsKey: RawSetting], environment: [String: String]) {
        self.reader = SettingsValueReader(values: values)
        self.environment = environment
    }

    var problems: [SettingsProblem] { reader.problems }
    var warnings: [SettingsProblem] { reader.warnings }

    mutating func build() -> Settings {
        var settings = Settings.defaults(environment: environment)
        readNetwork(into: &settings)
        readFolders(into: &settings)
        readAPI(into: &settings)
        readAPIOptions(into: &settings)
        readDownload(into: &settings)
        readLimits(into: &settings)
        if let level = reader.logLevel(.logLevel) { settings.logLevel = level }
        NotifySettingsReader.read(into: &settings.notify, reader: &reader)
        // After download.*: the part size is checked against download.max_bytes.
        settings.s3 = S3SettingsReader.read(&reader, maxBytes: settings.download.maxBytes)
        settings.ledger = LedgerSettingsReader.read(&reader)
        readAdmin(into: &settings)
        return settings
    }

    private mutating func readNetwork(into settings: inout Settings) {
        if let address = reader.listenAddress(.listen) { settings.listen = address }
        if let address = reader.listenAddress(.adminListen) { settings.adminListen = address }
        settings.publicURL = reader.url(.publicURL, schemes: ["https"], example: "https://hooks.example.com:8443")
        settings.token = token()

        settings.tls.certFile = reader.readableFile(.tlsCertFile)
        settings.tls.keyFile = reader.readableFile(.tlsKeyFile)
        if reader.isSet(.tlsCertFile) != reader.isSet(.tlsKeyFile) {
            let (set, missing): (SettingsKey, SettingsKey) = reader.isSet(.tlsCertFile)
                ? (.tlsCertFile, .tlsKeyFile) : (.tlsKeyFile, .tlsCertFile)
            reader.report(set, "set without \(missing.rawValue); give both, or neither for a self-signed certificate")
        }
    }

    private mutating func token() -> Secret? {
        guard let text = reader.text(.token, expected: "a token") else { return nil }
        let allowed = text.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
                || scalar == "-" || scalar == "_")
        }
        guard allowed, Self.tokenLength.contains(text.count) else {
            // The value itself is a secret: never repeated.
            reader.report(.token, "expected \(Self.tokenLength.lowerBound) to \(Self.tokenLength.upperBound) "
                + "letters, digits, \"-\" or \"_\" (it is a path segment); leave it unset to have one made")
            return nil
        }
        return Secret(text)
    }

    private mutating func readFolders(into settings: inout Settings) {
        if let state = reader.path(.stateDir) {
            settings.stateDirectory = state
            settings.archiveDirectory = Settings.archiveDirectory(in: state)
            if environment["LOGS_DIRECTORY"].map(\.isEmpty) ?? true {
                settings.logFile = Settings.logFile(in: state)
            }
        }
        if let archive = reader.path(.archiveDir) { settings.archiveDirectory = archive }
        if let log = reader.path(.logFile) { settings.logFile = log }
    }

    private mutating func readAPI(into settings: inout Settings) {
        if let url = reader.url(.apiBaseURL, schemes: ["https", "http"], example: APISettings.defaultBaseURL) {
            settings.api.baseURL = url
        }
        let (key, file) = SecretSettingReader(key: .apiKey, fileKey: .apiKeyFile, noun: "the key",
                                              maxBytes: Self.apiKeyLength.upperBound).read(&reader)
        settings.api.key = key
        settings.api.keyFile = file
    }

    private mutating func readAPIOptions(into settings: inout Settings) {
        settings.api.caFile = reader.readableFile(.apiCAFile)
        if let accept = reader.bool(.apiAcceptUnknownTasks) { settings.api.acceptUnknownTasks = accept }
        if let grace = reader.duration(.apiReconcileGrace, in: Self.graceRange) { settings.api.reconcileGrace = grace }
    }

    private mutating func readDownload(into settings: inout Settings) {
        if let count = reader.integer(.downloadConcurrency, in: DownloadSettings.concurrencyRange) {
            settings.download.concurrency = count
        }
        if let bytes = reader.byteCount(.downloadMaxBytes, in: 1...Self.sizeCeiling) {
            settings.download.maxBytes = bytes
        }
        settings.download.caFile = reader.readableFile(.downloadCAFile)
        if let allow = reader.bool(.downloadAllowInternal) { settings.download.allowInternal = allow }
        if let bytes = reader.byteCount(.diskReserveBytes, in: 0...Self.sizeCeiling) {
            settings.diskReserveBytes = bytes
        }
    }

    /// `admin.token` or `admin.token_file`; required when `admin_listen` is not loopback,
    /// where the archive page and API would otherwise be open to whoever reaches the port.
    private mutating func readAdmin(into settings: inout Settings) {
        let (token, file) = SecretSettingReader(key: .adminToken, fileKey: .adminTokenFile, noun: "the admin token",
                                                maxBytes: AdminSettings.tokenLength.upperBound).read(&reader)
        settings.admin.tokenFile = file
        if let token, token.value.count < AdminSettings.tokenLength.lowerBound {
            reader.report(file == nil ? .adminToken : .adminTokenFile,
                          "the admin token is shorter than \(AdminSettings.tokenLength.lowerBound) characters: make one with "
                          + "`openssl rand -base64 24`")
            return
        }
        settings.admin.token = token
        let failed = reader.problems.contains { $0.key == SettingsKey.adminToken.rawValue || $0.key == SettingsKey.adminTokenFile.rawValue }
        if token == nil, !failed, settings.admin.isNeeded(for: settings.adminListen) {
            reader.report(.adminListen, "binds to \(settings.adminListen.host), not a loopback address, so the archive page "
                          + "and API would be open to the network: set admin.token or admin.token_file "
                          + "(VIDEOHOOKD_ADMIN_TOKEN, VIDEOHOOKD_ADMIN_TOKEN_FILE), or bind admin_listen to 127.0.0.1")
        }
    }

    private mutating func readLimits(into settings: inout Settings) {
        var limits = settings.limits
        if let value = reader.byteCount(.limitsMaxBodyBytes, in: 1...(1 << 30)) { limits.maxBodyBytes = value }
        if let value = reader.byteCount(.limitsMaxHeaderBytes, in: 1...(1 << 20)) { limits.maxHeaderBytes = value }
        if let value = reader.integer(.limitsMaxHeaderCount, in: 1...10_000) { limits.maxHeaderCount = value }
        if let value = reader.byteCount(.limitsMaxURIBytes, in: 1...(1 << 20)) { limits.maxURIBytes = value }
        if let value = reader.duration(.limitsHandshakeTimeout, in: Self.timeoutRange) { limits.handshakeTimeout = value }
        if let value = reader.duration(.limitsHeaderTimeout, in: Self.timeoutRange) { limits.headerTimeout = value }
        if let value = reader.duration(.limitsBodyTimeout, in: Self.timeoutRange) { limits.bodyTimeout = value }
        if let value = reader.duration(.limitsIdleTimeout, in: Self.timeoutRange) { limits.idleTimeout = value }
        if let value = reader.integer(.limitsMaxConnections, in: 1...1_000_000) { limits.maxConnections = value }
        if let value = reader.integer(.limitsMaxConnectionsPerAddress, in: 1...1_000_000) {
            limits.maxConnectionsPerAddress = value
        }
        settings.limits = limits
    }
}
