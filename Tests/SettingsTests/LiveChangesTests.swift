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

        let (applied, needRestart) = new.liveChanges(from: old)
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
        #expect(new.liveChanges(from: old) == (["api.key"], []))
    }

    @Test("Every key is classed: the live set is exactly the documented one")
    func liveSet() {
        let live = SettingsKey.allCases.filter(\.isLive).map(\.rawValue)
        #expect(live == [
            "tls.cert_file", "tls.key_file", "log_file", "log_level", "api.key", "api.key_file",
            "download.concurrency", "limits.max_body_bytes", "limits.max_header_bytes",
            "limits.max_header_count", "limits.max_uri_bytes", "limits.header_timeout",
            "limits.body_timeout", "limits.idle_timeout",
        ])
    }
}
