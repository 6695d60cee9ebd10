import EventLog
import Foundation
import HTTP
import Intake
import Ledger
import Logging
import Server
import Settings
import TLS
import Transport
import URLPolicy

/// `videohookd serve`, put together: settings → folders → log → token → certificate →
/// listeners → server; then signals until SIGTERM. Each step that can fail says what to
/// fix, and nothing starts listening before every check has passed.
final class ServeRuntime {
    private var settings: Settings
    private let environment: [String: String]
    private let configFile: String?
    private var logger = Logger(label: "videohookd")
    private var logFile: LogFile?
    private let redactor = SecretRedactor()
    private let logLevel = LogLevelSwitch()

    init(settings: Settings, configFile: String?, environment: [String: String]) {
        self.settings = settings
        self.configFile = configFile
        self.environment = environment
    }

    /// Runs until SIGTERM or SIGINT; returns the exit status.
    func run() throws -> Int32 {
        try StateFolder.prepare([settings.stateDirectory, settings.archiveDirectory,
                                 (settings.logFile as NSString).deletingLastPathComponent])
        try startLogging()
        let token = try loadToken()
        redactor.registerSecret(token.value)
        if let key = settings.api.key?.value { redactor.registerSecret(key) }

        let tlsStore = TLSContextStore(try loadCertificate())
        let check = checkPublicCallbackURL(publicURL: settings.publicURL, token: token.value,
                                           listenPort: Int(settings.listen.port))
        guard check.allowsStart else { throw ServeError(check.message) }

        let ledger = try openLedger()
        let writer = LedgerWriter(ledger: ledger)
        let intake = CallbackIntake(writer: writer, logger: logger)

        let callbackFD = try ListenerBinder.bind(settings.listen, setting: "listen")
        let adminFD = try ListenerBinder.bind(settings.adminListen, setting: "admin_listen")

        let observer = ServerObserver(requestRefused: { status, reason, head, body, context in
            // Only refusals on the real callback path are kept: scanners' junk is not.
            guard let head, token.matchesPath(head.path) else { return }
            intake.recordRefused(status: status, reason: reason, head: head, bodyPrefix: body, context: context)
        })
        let server = HTTPServer(configuration: serverConfiguration(), logger: logger, observer: observer)
        try server.start(listeners: [
            ServerListener(fd: callbackFD, tls: tlsStore, router: callbackRouter(token: token, intake: intake),
                           name: "callbacks"),
        ])
        let admin = HTTPServer(configuration: adminConfiguration(), logger: logger)
        try admin.start(listeners: [ServerListener(fd: adminFD, tls: nil, router: adminRouter(), name: "admin")])

        announce(check: check, token: token, callbackFD: callbackFD, adminFD: adminFD)

        while true {
            let signal = SignalWaiter.next()
            if signal == SIGHUP {
                reload(tlsStore: tlsStore)
                continue
            }
            logger.info("serve.stopping", metadata: ["signal": "\(signal == SIGTERM ? "SIGTERM" : "SIGINT")"])
            server.shutdown()
            admin.shutdown()
            server.wait()
            admin.wait()
            // Every answered callback is committed already; this drains what is queued.
            writer.close()
            try? ledger.close()
            logger.info("serve.stopped")
            return 0
        }
    }

    // MARK: Steps

    private func startLogging() throws {
        let mirror = StderrMirrorPolicy.shouldMirrorThisProcess(environment: environment)
        do {
            let file = try LogFile(path: settings.logFile, mirrorToStderr: mirror)
            logFile = file
            logLevel.level = Logger.Level(rawValue: settings.logLevel.rawValue) ?? .info
            EventLogBootstrap.bootstrap(file: file, redactor: redactor, level: logLevel)
        } catch {
            throw ServeError("\(error)")
        }
        logger = Logger(label: "videohookd")
    }

    private func loadToken() throws -> CallbackToken {
        if let configured = settings.token?.value {
            return try CallbackToken(validating: configured)
        }
        let (token, created) = try CallbackToken.loadOrCreate(in: settings.stateDirectory)
        if created {
            logger.notice("token.created", metadata: ["file": "\(settings.stateDirectory)/callback-token"])
        }
        return token
    }

    private func loadCertificate() throws -> TLSServerContext {
        if let certificate = settings.tls.certFile, let key = settings.tls.keyFile {
            return try TLSServerContext(certificateFile: certificate, keyFile: key)
        }
        let names = [publicHostName() ?? ProcessInfo.processInfo.hostName, "localhost"]
        let files = try SelfSignedCertificate.ensure(in: settings.stateDirectory, hostNames: Array(Set(names)).sorted())
        if files.created {
            logger.notice("tls.selfsigned_created", metadata: ["cert_file": "\(files.certificateFile)"])
        }
        return try TLSServerContext(certificateFile: files.certificateFile, keyFile: files.keyFile)
    }

    private func publicHostName() -> String? {
        guard let publicURL = settings.publicURL, let url = URL(string: publicURL) else { return nil }
        return url.host
    }

    private func serverConfiguration() -> ServerConfiguration {
        let limits = settings.limits
        return ServerConfiguration(
            limits: HTTPLimits(maxURIBytes: limits.maxURIBytes, maxHeaderBytes: limits.maxHeaderBytes,
                               maxHeaderCount: limits.maxHeaderCount, maxBodyBytes: limits.maxBodyBytes),
            headerTimeout: limits.headerTimeout.seconds, bodyTimeout: limits.bodyTimeout.seconds,
            idleTimeout: limits.idleTimeout.seconds, maxConnections: limits.maxConnections)
    }

    /// The admin listener is for local probes: one loop, small limits.
    private func adminConfiguration() -> ServerConfiguration {
        ServerConfiguration(limits: HTTPLimits(maxBodyBytes: 1024), headerTimeout: 5, bodyTimeout: 5,
                            idleTimeout: 30, maxConnections: 64, loopCount: 1)
    }

    private func openLedger() throws -> Ledger {
        let path = settings.stateDirectory + "/ledger.sqlite"
        do {
            let ledger = try Ledger.open(path: path)
            logger.info("ledger.opened", metadata: ["path": "\(path)"])
            return ledger
        } catch {
            throw ServeError(error.description)
        }
    }

    private func callbackRouter(token: CallbackToken, intake: CallbackIntake) -> Router {
        var router = Router()
        router.add("GET", "/healthz") { _, _, respond in respond(.json(status: 200, #"{"status":"ok"}"#)) }
        router.add("POST", matching: { token.matchesPath($0) }) { request, context, respond in
            intake.handle(request, context: context, respond: respond)
        }
        return router
    }

    private func adminRouter() -> Router {
        var router = Router()
        router.add("GET", "/healthz") { _, _, respond in respond(.json(status: 200, #"{"status":"ok"}"#)) }
        let stateDirectory = settings.stateDirectory
        router.add("GET", "/readyz") { _, _, respond in
            let writable = access(stateDirectory, W_OK) == 0
            respond(.json(status: writable ? 200 : 503, writable ? #"{"status":"ready"}"# : #"{"status":"not ready","state_dir":"not writable"}"#))
        }
        return router
    }

    /// Tells the operator where to point the video API. The full URL carries the token,
    /// so it goes to a terminal only; logs and the journal get it with `<token>`.
    private func announce(check: PublicCallbackCheck, token: CallbackToken, callbackFD: Int32, adminFD: Int32) {
        let callbackAddress = (try? SystemSocket.localAddress(callbackFD))?.description ?? "\(settings.listen)"
        let adminAddress = (try? SystemSocket.localAddress(adminFD))?.description ?? "\(settings.adminListen)"
        let shown = check.callbackURL.replacingOccurrences(of: token.value, with: "<token>")
        logger.info("serve.started", metadata: ["listen": "\(callbackAddress)", "admin_listen": "\(adminAddress)",
                                                "callback_url": "\(shown)", "state_dir": "\(settings.stateDirectory)",
                                                "config": "\(configFile ?? "-")"])
        var lines = ["videohookd listening on \(callbackAddress) (HTTPS), admin on http://\(adminAddress)"]
        lines.append(check.message)
        if isatty(STDOUT_FILENO) == 1 {
            lines.append("callback URL: \(check.callbackURL)")
        } else {
            lines.append("callback URL: \(shown) (the token is in \(settings.token == nil ? settings.stateDirectory + "/callback-token" : "the token setting"))")
        }
        // Written straight to descriptor 1: not buffered, so a supervisor sees it at once.
        FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
    }

    private func reload(tlsStore: TLSContextStore) {
        logger.info("serve.reloading")
        do {
            try logFile?.reopen(at: nil)
        } catch {
            logger.error("log.reopen_failed", metadata: ["reason": "\(error)"])
        }
        do {
            tlsStore.replace(with: try loadCertificate())
            logger.info("tls.reloaded")
        } catch {
            logger.error("tls.reload_failed", metadata: ["reason": "\(error)", "kept": "the previous certificate"])
        }
    }
}

extension Duration {
    var seconds: Double {
        let (whole, fraction) = components
        return Double(whole) + Double(fraction) / 1e18
    }
}
