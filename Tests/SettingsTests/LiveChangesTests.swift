import Testing
@testable import Settings

@Suite("Settings: what SIGHUP can change")
struct LiveChangesTests {
    @Test("Identical settings change nothing")
    func noChange() {
        let (applied, needRestart) = Settings().liveChanges(from: Settings())
        #expect(applied.isEmpty && needRestart.isEmpty)
    }

    @Test("Log, TLS, limits, concurrency and API key apply live; listeners and folders need a restart")
    func splitsLiveFromRestart() {
        let old = Settings()
        var new = old
        new.logLevel = .debug
        new.logFile = "/var/log/new.log"
        new.tls = TLSFiles(certFile: "/c.pem", keyFile: "/k.pem")
        new.limits.maxBodyBytes = 2 << 20
        new.limits.idleTimeout = .seconds(5)
        new.download.concurrency = 8
        new.api.key = Secret("sk-new")
        new.listen = ListenAddress(host: "0.0.0.0", port: 443)
        new.stateDirectory = "/elsewhere"
        new.limits.maxConnections = 5
        new.token = Secret("0123456789abcdef0123")

        let (appliedKeys, restartKeys) = new.liveChanges(from: old)
        let applied = appliedKeys.map(\.name), needRestart = restartKeys.map(\.name)
        #expect(applied == ["tls.cert_file", "tls.key_file", "log_file", "log_level", "api.key",
                            "download.concurrency", "limits.max_body_bytes", "limits.idle_timeout"])
        #expect(needRestart == ["listen", "token", "state_dir", "limits.max_connections"])
    }

    @Test("A changed key behind the same key file counts as a change")
    func keyFileContentChange() {
        var old = Settings()
        old.api = APISettings(key: Secret("sk-1"), keyFile: "/run/credentials/api-key")
        var new = old
        new.api.key = Secret("sk-2")
        let changes = new.liveChanges(from: old)
        #expect(changes.applied == [.apiKey] && changes.needRestart.isEmpty)
    }

    @Test("Every key is classed: the live set is exactly the documented one")
    func liveSet() {
        let live = SettingsKey.allCases.filter(\.isLive).map(\.rawValue)
        #expect(live == [
            "tls.cert_file", "tls.key_file", "log_file", "log_level", "api.key", "api.key_file",
            "download.concurrency", "limits.max_body_bytes", "limits.max_header_bytes",
            "limits.max_header_count", "limits.max_uri_bytes", "limits.handshake_timeout", "limits.header_timeout",
            "limits.body_timeout", "limits.idle_timeout", "limits.max_connections_per_address",
            "notify.webhooks", "notify.commands", "notify.concurrency", "notify.timeout", "notify.retry_delays",
            "s3.access_key_id", "s3.secret_access_key", "s3.secret_access_key_file", "s3.session_token",
        ])
    }

    @Test("Keeping the running values undoes every change that needs a restart, and only those")
    func keepingRunningValues() {
        let old = Settings()
        var new = old
        new.listen = ListenAddress(host: "0.0.0.0", port: 443)
        new.adminListen = ListenAddress(host: "127.0.0.1", port: 9999)
        new.publicURL = "https://hooks.example.net"
        new.token = Secret("0123456789abcdef0123")
        new.stateDirectory = "/elsewhere"
        new.archiveDirectory = "/elsewhere/archive"
        new.api.baseURL = "https://api.example.net"
        new.api.caFile = "/ca.pem"
        new.api.acceptUnknownTasks = !old.api.acceptUnknownTasks
        new.api.reconcileGrace = .seconds(999)
        new.download.maxBytes = 12345
        new.download.caFile = "/dl-ca.pem"
        new.download.allowInternal = !old.download.allowInternal
        new.diskReserveBytes = 4242
        new.limits.maxConnections = 5
        new.limits.idleTimeout = .seconds(7)
        new.download.concurrency = 9
        new.ledger = LedgerSettings(url: "postgresql://vh@db/vh")

        let (applied, needRestart) = new.liveChanges(from: old)
        #expect(needRestart.count == 16)
        let kept = new.keepingRunningValues(of: needRestart, from: old)
        let after = kept.liveChanges(from: old)
        #expect(after.needRestart.isEmpty)
        #expect(after.applied == applied)
        #expect(kept.limits.maxConnections == old.limits.maxConnections)
        #expect(kept.ledger == nil)
        #expect(kept.limits.idleTimeout == .seconds(7) && kept.download.concurrency == 9)
    }

    @Test("Each live key has an effect other than a restart, and each restart key none")
    func reloadEffects() {
        for key in SettingsKey.allCases {
            #expect(key.isLive == (key.reloadEffect != .needsRestart), "\(key.name)")
        }
        #expect(SettingsKey.limitsMaxConnections.reloadEffect == .needsRestart)
        #expect(SettingsKey.limitsIdleTimeout.reloadEffect == .updateRequestLimits)
    }
}
