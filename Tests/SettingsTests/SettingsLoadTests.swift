import Outbox
import Testing
@testable import Settings
import TestSupport

@Suite("Settings: defaults, file and environment")
struct SettingsLoadTests {
    let folder = TemporaryDirectory()

    @Test("With no file and no environment, every setting has its documented default")
    func defaults() throws {
        let settings = try Settings.load(file: nil, environment: [:])
        #expect(settings.listen == ListenAddress(host: "0.0.0.0", port: 8443))
        #expect(settings.adminListen == ListenAddress(host: "127.0.0.1", port: 9090))
        #expect(settings.publicURL == nil)
        #expect(settings.token == nil)
        #expect(settings.tls == TLSFiles(certFile: nil, keyFile: nil))
        #expect(settings.tls.usesSelfSigned)
        #expect(settings.stateDirectory == "./videohookd-state")
        #expect(settings.archiveDirectory == "./videohookd-state/archive")
        #expect(settings.logFile == "./videohookd-state/videohookd.log")
        #expect(settings.logLevel == .info)
        #expect(settings.api.baseURL == "https://ai.odkkk.com/apiv1")
        #expect(settings.api.key == nil)
        #expect(settings.api.keyFile == nil)
        #expect(settings.download.concurrency == 4)
        #expect(settings.download.maxBytes == 4_294_967_296)
        #expect(settings.download.caFile == nil)
        #expect(settings.download.allowInternal == false)
        #expect(settings.diskReserveBytes == 1_073_741_824)
        #expect(settings.limits.maxBodyBytes == 1_048_576)
        #expect(settings.limits.maxHeaderBytes == 16_384)
        #expect(settings.limits.maxHeaderCount == 64)
        #expect(settings.limits.maxURIBytes == 2048)
        #expect(settings.limits.handshakeTimeout == .seconds(5))
        #expect(settings.limits.headerTimeout == .seconds(10))
        #expect(settings.limits.bodyTimeout == .seconds(10))
        #expect(settings.limits.idleTimeout == .seconds(60))
        #expect(settings.limits.maxConnections == 10_000)
        #expect(settings.limits.maxConnectionsPerAddress == 256)
        #expect(settings == Settings())
    }

    @Test("An empty file, or one with only comments, gives the defaults")
    func emptyFile() throws {
        #expect(try load(yaml: "", in: folder) == Settings())
        #expect(try load(yaml: "# nothing here\n\n", in: folder) == Settings())
        #expect(try load(yaml: "tls:\nlimits:\n", in: folder) == Settings())
    }

    @Test("Every key is read from the file")
    func everyKeyFromFile() throws {
        let cert = try folder.write("cert.pem", "CERT")
        let key = try folder.write("key.pem", "KEY")
        let ca = try folder.write("ca.pem", "CA")
        let settings = try load(yaml: """
            listen: "[::]:443"
            admin_listen: localhost:9100
            public_url: https://hooks.example.com:8443/
            token: AbCdEfGhIjKlMnOpQrSt_-12
            state_dir: /srv/vh
            archive_dir: /data/videos
            log_file: /var/log/vh.log
            log_level: debug
            disk_reserve_bytes: 2GB
            tls:
              cert_file: \(cert)
              key_file: \(key)
            api:
              base_url: http://127.0.0.1:8080/apiv1
              key: sk-test-123
            download:
              concurrency: 16
              max_bytes: 512MiB
              ca_file: \(ca)
              allow_internal: yes
            limits:
              max_body_bytes: 2MiB
              max_header_bytes: 8KiB
              max_header_count: 32
              max_uri_bytes: 4096
              handshake_timeout: 3s
              header_timeout: 5s
              body_timeout: 1.5
              idle_timeout: 2m
              max_connections: 500
              max_connections_per_address: 20
            """, in: folder)
        #expect(settings.listen == ListenAddress(host: "::", port: 443))
        #expect(settings.adminListen == ListenAddress(host: "localhost", port: 9100))
        #expect(settings.publicURL == "https://hooks.example.com:8443")
        #expect(settings.token?.value == "AbCdEfGhIjKlMnOpQrSt_-12")
        #expect(settings.tls == TLSFiles(certFile: cert, keyFile: key))
        #expect(settings.stateDirectory == "/srv/vh")
        #expect(settings.archiveDirectory == "/data/videos")
        #expect(settings.logFile == "/var/log/vh.log")
        #expect(settings.logLevel == .debug)
        #expect(settings.diskReserveBytes == 2_000_000_000)
        #expect(settings.api.baseURL == "http://127.0.0.1:8080/apiv1")
        #expect(settings.api.key?.value == "sk-test-123")
        #expect(settings.download == DownloadSettings(concurrency: 16, maxBytes: 512 << 20, caFile: ca,
                                                       allowInternal: true))
        #expect(settings.limits == ConnectionLimits(
            maxBodyBytes: 2 << 20, maxHeaderBytes: 8 << 10, maxHeaderCount: 32, maxURIBytes: 4096,
            handshakeTimeout: .seconds(3), headerTimeout: .seconds(5), bodyTimeout: .milliseconds(1500),
            idleTimeout: .seconds(120), maxConnections: 500, maxConnectionsPerAddress: 20))
    }

    @Test("Dotted keys at the top level work like sections")
    func dottedKeys() throws {
        let settings = try load(yaml: "download.concurrency: 9\nlimits.idle_timeout: 500ms\n", in: folder)
        #expect(settings.download.concurrency == 9)
        #expect(settings.limits.idleTimeout == .milliseconds(500))
    }

    /// One value per key, as an environment variable would carry it, and the check that
    /// it arrived. `everyKeyHasAnEnvironmentCase` keeps this list complete.
    static func environmentCases(_ folder: TemporaryDirectory) throws
        -> [(key: SettingsKey, value: String, arrived: (Settings) -> Bool)] {
        let cert = try folder.write("cert.pem", "CERT")
        let keyPEM = try folder.write("key.pem", "KEY")
        let ca = try folder.write("ca.pem", "CA")
        let keyFile = try folder.write("api-key", "  sk-from-file\n")
        let passwordFile = try folder.write("pg-password", "pg-password\n")
        let adminTokenFile = try folder.write("admin-token", "admin-token-from-a-file\n")
        return [
            (.listen, "[::1]:8444", { $0.listen == ListenAddress(host: "::1", port: 8444) }),
            (.adminListen, "[::1]:0", { $0.adminListen == ListenAddress(host: "::1", port: 0) }),
            (.publicURL, "https://example.org", { $0.publicURL == "https://example.org" }),
            (.token, "0123456789abcdef012345", { $0.token?.value == "0123456789abcdef012345" }),
            (.tlsCertFile, cert, { $0.tls.certFile == cert }),
            (.tlsKeyFile, keyPEM, { $0.tls.keyFile == keyPEM }),
            (.stateDir, "/var/lib/x", { $0.stateDirectory == "/var/lib/x" }),
            (.archiveDir, "/a", { $0.archiveDirectory == "/a" }),
            (.logFile, "/l.log", { $0.logFile == "/l.log" }),
            (.logLevel, "WARNING", { $0.logLevel == .warning }),
            (.apiBaseURL, "https://api.example.com/v", { $0.api.baseURL == "https://api.example.com/v" }),
            (.apiKey, "sk-env", { $0.api.key?.value == "sk-env" }),
            (.apiKeyFile, keyFile, { $0.api.key?.value == "sk-from-file" && $0.api.keyFile == keyFile }),
            (.apiCAFile, ca, { $0.api.caFile == ca }),
            (.apiAcceptUnknownTasks, "false", { !$0.api.acceptUnknownTasks }),
            (.apiReconcileGrace, "45s", { $0.api.reconcileGrace == .seconds(45) }),
            (.downloadConcurrency, "64", { $0.download.concurrency == 64 }),
            (.downloadMaxBytes, "1TiB", { $0.download.maxBytes == 1 << 40 }),
            (.downloadCAFile, ca, { $0.download.caFile == ca }),
            (.downloadAllowInternal, "true", { $0.download.allowInternal }),
            (.diskReserveBytes, "0", { $0.diskReserveBytes == 0 }),
            (.limitsMaxBodyBytes, "100", { $0.limits.maxBodyBytes == 100 }),
            (.limitsMaxHeaderBytes, "1KiB", { $0.limits.maxHeaderBytes == 1024 }),
            (.limitsMaxHeaderCount, "10", { $0.limits.maxHeaderCount == 10 }),
            (.limitsMaxURIBytes, "256", { $0.limits.maxURIBytes == 256 }),
            (.limitsHandshakeTimeout, "2s", { $0.limits.handshakeTimeout == .seconds(2) }),
            (.limitsHeaderTimeout, "250ms", { $0.limits.headerTimeout == .milliseconds(250) }),
            (.limitsBodyTimeout, "30", { $0.limits.bodyTimeout == .seconds(30) }),
            (.limitsIdleTimeout, "1h", { $0.limits.idleTimeout == .seconds(3600) }),
            (.limitsMaxConnections, "1", { $0.limits.maxConnections == 1 }),
            (.limitsMaxConnectionsPerAddress, "8", { $0.limits.maxConnectionsPerAddress == 8 }),
            (.notifyWebhooks, #"[{url: "http://127.0.0.1:8080/h", secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", events: [video.archived]}]"#,
             { $0.notify.webhooks == [WebhookTargetSettings(url: "http://127.0.0.1:8080/h",
                                                             secrets: [Secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")],
                                                             events: [.videoArchived])] }),
            (.notifyCommands, #"[{run: ["/bin/true", "-x"], timeout: 30s}]"#,
             { $0.notify.commands == [CommandTargetSettings(run: ["/bin/true", "-x"], timeout: .seconds(30))] }),
            (.notifyConcurrency, "8", { $0.notify.concurrency == 8 }),
            (.notifyTimeout, "30s", { $0.notify.timeout == .seconds(30) }),
            (.notifyRetryDelays, "1s,1m,1h", { $0.notify.retryDelays == [.seconds(1), .seconds(60), .seconds(3600)] }),
            // The s3 keys load beside a bucket and credentials (S3Example), which these override.
            (.s3Bucket, "other-bucket", { $0.s3?.bucket == "other-bucket" }),
            (.s3Endpoint, "https://storage.example:9000/", { $0.s3?.endpoint == "https://storage.example:9000" }),
            (.s3Region, "eu-west-1", { $0.s3?.region == "eu-west-1" && $0.s3?.endpoint == "https://s3.eu-west-1.amazonaws.com" }),
            (.s3Prefix, "/videos", { $0.s3?.prefix == "videos/" }),
            (.s3PathStyle, "true", { $0.s3?.pathStyle == true }),
            (.s3AccessKeyID, "AKIAOTHER", { $0.s3?.credentials.accessKeyID == "AKIAOTHER" }),
            (.s3SecretAccessKey, "other-secret", { $0.s3?.credentials.secretAccessKey.value == "other-secret" }),
            (.s3SecretAccessKeyFile, keyFile, { $0.s3?.credentials.secretAccessKey.value == "sk-from-file"
                && $0.s3?.credentials.secretAccessKeyFile == keyFile }),
            (.s3SessionToken, "token-1", { $0.s3?.credentials.sessionToken?.value == "token-1" }),
            (.s3StorageClass, "intelligent_tiering", { $0.s3?.storageClass == "INTELLIGENT_TIERING" }),
            (.s3PartSize, "100MiB", { $0.s3?.partSize == 100 << 20 }),
            (.s3KeepLocal, "on", { $0.s3?.keepLocal == true }),
            (.s3CAFile, ca, { $0.s3?.caFile == ca }),
            (.ledgerURL, "postgresql://vh@db:5432/vh", { $0.ledger?.url == "postgresql://vh@db:5432/vh" }),
            (.ledgerPasswordFile, passwordFile, { $0.ledger?.password?.value == "pg-password"
                && $0.ledger?.passwordFile == passwordFile }),
            (.adminToken, "an-admin-token-of-some-length", { $0.admin.token?.value == "an-admin-token-of-some-length" }),
            (.adminTokenFile, adminTokenFile, { $0.admin.token?.value == "admin-token-from-a-file"
                && $0.admin.tokenFile == adminTokenFile }),
        ]
    }

    @Test("Every key is overridable by its VIDEOHOOKD_ variable")
    func everyKeyFromEnvironment() throws {
        for (key, value, arrived) in try Self.environmentCases(folder) {
            var environment = [key.environmentVariable: value]
            // The TLS files come in pairs.
            if key == .tlsCertFile { environment["VIDEOHOOKD_TLS_KEY_FILE"] = try folder.write("k", "K") }
            if key == .tlsKeyFile { environment["VIDEOHOOKD_TLS_CERT_FILE"] = try folder.write("c", "C") }
            // The s3 keys do something only beside a bucket, and need credentials.
            if key.section == "s3" {
                environment.merge(S3Example.bucketAndCredentials) { own, _ in own }
                if key == .s3SecretAccessKeyFile { environment["VIDEOHOOKD_S3_SECRET_ACCESS_KEY"] = nil }
            }
            // The password file does something only beside a URL.
            if key == .ledgerPasswordFile { environment["VIDEOHOOKD_LEDGER_URL"] = "postgresql://vh@db/vh" }
            let settings = try Settings.load(file: nil, environment: environment)
            #expect(arrived(settings), "\(key.environmentVariable)=\(value) did not arrive")
        }
    }

    @Test("The environment case list covers every key")
    func everyKeyHasAnEnvironmentCase() throws {
        let covered = try Self.environmentCases(folder).map(\.key)
        #expect(Set(covered) == Set(SettingsKey.allCases))
    }

    @Test("Variable names are the key upper-cased, dots as underscores, with the prefix")
    func environmentNames() {
        #expect(SettingsKey.tlsCertFile.environmentVariable == "VIDEOHOOKD_TLS_CERT_FILE")
        #expect(SettingsKey.limitsMaxURIBytes.environmentVariable == "VIDEOHOOKD_LIMITS_MAX_URI_BYTES")
        #expect(SettingsKey.listen.environmentVariable == "VIDEOHOOKD_LISTEN")
        let names = SettingsKey.allCases.map(\.environmentVariable)
        #expect(Set(names).count == names.count)
    }

    @Test("The environment wins over the file, key by key")
    func environmentOverridesFile() throws {
        let settings = try load(yaml: """
            log_level: debug
            download:
              concurrency: 2
              max_bytes: 1GiB
            """, environment: ["VIDEOHOOKD_DOWNLOAD_CONCURRENCY": "8"], in: folder)
        #expect(settings.download.concurrency == 8)
        #expect(settings.download.maxBytes == 1 << 30)
        #expect(settings.logLevel == .debug)
    }

    @Test("An empty variable means the default, even over the file")
    func emptyVariableMeansDefault() throws {
        let settings = try load(yaml: "download:\n  concurrency: 2\n",
                                environment: ["VIDEOHOOKD_DOWNLOAD_CONCURRENCY": ""], in: folder)
        #expect(settings.download.concurrency == 4)
    }

    @Test("The file's text is taken as written: 1:30 is not YAML's base-60 number")
    func textAsWritten() throws {
        let settings = try load(yaml: "admin_listen: 127.0.0.1:30\nstate_dir: 0x10\n", in: folder)
        #expect(settings.adminListen.port == 30)
        #expect(settings.stateDirectory == "0x10")
    }

    @Test("Booleans accept true/false, yes/no, on/off and 1/0")
    func booleans() throws {
        for (text, value) in [("true", true), ("No", false), ("on", true), ("OFF", false), ("1", true), ("0", false)] {
            let settings = try Settings.load(file: nil, environment: ["VIDEOHOOKD_DOWNLOAD_ALLOW_INTERNAL": text])
            #expect(settings.download.allowInternal == value, "\(text)")
        }
    }

    @Test("The config file comes from --config, else VIDEOHOOKD_CONFIG, which is not a typo")
    func configFileVariable() throws {
        #expect(Settings.configFile(option: "/a.yaml", environment: ["VIDEOHOOKD_CONFIG": "/b.yaml"]) == "/a.yaml")
        #expect(Settings.configFile(option: nil, environment: ["VIDEOHOOKD_CONFIG": "/b.yaml"]) == "/b.yaml")
        #expect(Settings.configFile(option: nil, environment: ["VIDEOHOOKD_CONFIG": ""]) == nil)
        #expect(Settings.configFile(option: nil, environment: [:]) == nil)
        _ = try Settings.load(file: nil, environment: ["VIDEOHOOKD_CONFIG": "/b.yaml"])
    }
}
