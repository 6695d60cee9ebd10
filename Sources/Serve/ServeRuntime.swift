import Daemon
import Downloader
import EventLog
import Foundation
import HTTP
import Intake
import Lifecycle
import Notifier
import Poster
import Ledger
import Reconciler
import ObjectArchive
import Logging
import Server
import Settings
import Synchronization
import Telemetry
import TLS
import Transport
import URLPolicy

/// `videohookd serve`, put together: settings → folders → log → token → certificate →
/// ledger → listeners → server; READY=1; then signals until SIGTERM. Each step that can
/// fail says what to fix, and nothing is accepted before every check has passed.
public final class ServeRuntime: @unchecked Sendable {
    // @unchecked: `settings` changes only on the signal thread (SIGHUP) and is read
    // under `state`; everything else is set once during `run` before threads use it.
    let environment: [String: String]
    let configFile: String?
    let state: Mutex<Settings>
    var settings: Settings { state.withLock { $0 } }
    var logger = Logger(label: "videohookd")
    var logFile: LogFile?
    let redactor = SecretRedactor()
    let logLevel = LogLevelSwitch()
    let metrics = DaemonMetrics()
    let notifier: SystemdNotifier
    let counters = StatusCounters()
    let stopRequested = DispatchSemaphore(value: 0)

    // Made during `run`.
    var token = CallbackToken("")
    var tlsStore: TLSContextStore?
    var ledger: Ledger?
    var downloads: DownloadService?
    var server: HTTPServer?
    var admin: HTTPServer?
    var videoAPI: VideoAPIServices?
    var notifications: NotificationService?
    /// With `s3.bucket`: the object store's client, its monitor and what writes report.
    var objectStore: ObjectStoreParts?
    /// The downloads' destination when the archive is a bucket.
    var bucketArchive: BucketArchive?
    /// With `ledger.url`: whether the shared ledger answers, for `/readyz`.
    var ledgerMonitor: LedgerMonitor?
    /// This instance in the ledger: its heartbeat and the leases of what it holds.
    var instanceLeases: InstanceLeases?
    /// With `ffmpeg` on the PATH: makes each archived video's poster frame.
    var posters: PosterService?

    /// The listening sockets systemd passed, taken before any thread started.
    let activatedSockets: [ActivatedSocket]

    public init(settings: Settings, configFile: String?, environment: [String: String],
                activatedSockets: [ActivatedSocket]) {
        self.activatedSockets = activatedSockets
        state = Mutex(settings)
        self.configFile = configFile
        self.environment = environment
        notifier = SystemdNotifier(environment: environment)
    }

    /// Runs until SIGTERM or SIGINT; returns the exit status.
    public func run() throws -> Int32 {
        let settings = self.settings
        try StateFolder.prepare([settings.stateDirectory, settings.archiveDirectory,
                                 (settings.logFile as NSString).deletingLastPathComponent])
        try startLogging()
        token = try loadToken()
        redactor.registerSecret(token.value)
        if let key = settings.api.key?.value { redactor.registerSecret(key) }
        if let password = settings.ledger?.password?.value { redactor.registerSecret(password) }

        let tlsStore = TLSContextStore(try loadCertificate(settings))
        self.tlsStore = tlsStore
        // The listeners before the URL check: a guessed callback URL must carry the port
        // actually listened on, which under socket activation is the socket unit's and
        // not `listen`'s. Nothing is served before the check has passed.
        let listeners = try ListenerSource.open(settings: settings, activated: activatedSockets, logger: logger)
        let callbackPort = (try? SystemSocket.localAddress(listeners.callback).port).map(Int.init) ?? Int(settings.listen.port)
        let check = checkPublicCallbackURL(publicURL: settings.publicURL, token: token.value, listenPort: callbackPort)
        guard check.allowsStart else { throw ServeError(check.message) }

        let ledger = try openLedger()
        self.ledger = ledger
        defer { try? ledger.close() }
        // Before any service: the sweep must run while no upload of this process exists.
        objectStore = try prepareObjectStore(ledger: ledger)
        let services = try makeServices(ledger: ledger, listeners: listeners, tlsStore: tlsStore)

        // Started in order, stopped in reverse: the signal watcher first, so a SIGTERM
        // that comes while the rest start is a clean stop; the writer before everything
        // that records through it; the listeners last, so nothing is answered before
        // what stands behind it runs.
        let stack = ServiceStack(unwindTimeout: Self.stopTimeout)
        do {
            for service in services { try stack.start(service) }
        } catch {
            throw ServeError("cannot start the \(error.serviceName): \(error)")
        }
        let downloads = self.downloads
        videoAPI?.releaseHeldDownloadsWithoutKey(onDownloadQueued: { _ in downloads?.wake() })

        announce(check: check, listeners: listeners)
        let watchdog = try startWatchdog()
        notify { try $0.ready() }
        let statusTimer = startStatusUpdates()

        stopRequested.wait()

        notify { try $0.stopping() }
        statusTimer.cancel()
        watchdog?.stop()
        // The servers finish what is in flight (its writes still commit), downloads stop
        // at a resumable point (partial file fsynced, offset recorded), the writer
        // commits what is queued, and the signal watcher goes last.
        let report = stack.stop(within: Self.stopTimeout)
        if !report.missedDeadline.isEmpty {
            logger.warning("serve.stop_timeout", metadata: [
                "services": "\(report.missedDeadline.joined(separator: ","))",
                "timeout_s": "\(Int(Self.stopTimeout.seconds))",
            ])
        }
        logger.info("serve.stopped")
        return 0
    }

    /// Within systemd's `TimeoutStopSec=30`, with room for the exit itself.
    static let stopTimeout: Duration = .seconds(25)

    /// On a shared ledger, the reconciler's holder runs a pass at least this often.
    static let sharedReconcilePoll: Double = 5

    /// The ledger's limits: the defaults, with the tests' shorter leases
    /// (``Settings/testLeaseSecondsVariable``).
    var ledgerLimits: LedgerLimits {
        var limits = LedgerLimits()
        if let text = environment[Settings.testLeaseSecondsVariable], let seconds = Double(text), seconds > 0 {
            limits.leaseDuration = seconds
        }
        return limits
    }

    /// Every service of `serve`, in start order, wired to each other; none started yet.
    private func makeServices(ledger: Ledger, listeners: ListenerSource.Opened,
                              tlsStore: TLSContextStore) throws -> [any Service] {
        let settings = self.settings
        let signals = SignalWatcher { [self] signal in handle(signal) }
        // The video API: verification of completed callbacks, the reconciler, fresh links.
        let videoAPI = try VideoAPIServices(settings: settings, ledger: ledger, logger: logger)
        self.videoAPI = videoAPI
        posters = makePosters()
        let downloads = try makeDownloads(ledger: ledger, refreshLinks: videoAPI.refreshLinks)
        self.downloads = downloads
        let writer = LedgerWriter(ledger: ledger)
        let notifications = try makeNotifications(ledger: ledger)
        self.notifications = notifications
        let leases = InstanceLeases(ledger: ledger, logger: logger,
                                    runningDownloads: { downloads.runningTaskIDs },
                                    runningDeliveries: { notifications.runningDeliveryIDs },
                                    downloadLost: { taskID, owner in downloads.leaseLost(taskID: taskID, owner: owner) },
                                    renewalFailed: { [metrics] in metrics.leaseRenewalFailed() })
        instanceLeases = leases
        downloads.setTakeoverGate { leases.mayTakeOver() }
        notifications.setTakeoverGate { leases.mayTakeOver() }
        // One reconciler at a time: the holder of the `reconciler` lease. With several
        // instances the holder also looks every 5 s for verifications that callbacks to
        // the others queued (they wake nobody here).
        let turn = ReconcilerTurn(take: { leases.take(InstanceLeases.reconcilerLease) },
                                  retryInterval: leases.renewInterval,
                                  pollInterval: ledger.isShared ? Self.sharedReconcilePoll : .infinity)
        let reconciler = videoAPI.makeReconciler(writer: writer, turn: turn, onDownloadQueued: { _ in downloads.wake() })
        let intake = CallbackIntake(writer: writer, logger: logger,
                                    observer: intakeObserver(downloads: downloads, videoAPI: videoAPI),
                                    policy: videoAPI.callbackPolicy)
        let server = HTTPServer(
            configuration: ServeRuntime.serverConfiguration(settings), logger: logger,
            observer: serverObserver(intake: intake), serviceName: "callback-server",
            listeners: [ServerListener(fd: listeners.callback, tls: tlsStore, router: callbackRouter(intake: intake),
                                       name: "callbacks")])
        self.server = server
        let admin = HTTPServer(
            configuration: ServeRuntime.adminConfiguration, logger: logger, serviceName: "admin-server",
            listeners: [ServerListener(fd: listeners.admin, tls: nil, router: adminRouter(ledger: ledger), name: "admin")])
        self.admin = admin
        // The notifier before the downloads and the listeners: what they commit goes out.
        // The poster maker before the downloads, which queue its work.
        // The bucket monitor before what writes to the bucket, which reports to it. The
        // instance's leases before anything claims work, and given back after it stopped.
        let optional: [(any Service)?] = [signals, ledgerMonitor, writer, leases, objectStore?.monitor, notifications,
                                          posters, downloads, reconciler, server, admin]
        return optional.compactMap { $0 }
    }

    private func handle(_ signal: ReceivedSignal) {
        switch signal.number {
        case SIGHUP:
            reload()
        default:
            logger.info("serve.stopping", metadata: ["signal": "\(signal.name)", "sender_pid": "\(signal.senderPID)"])
            stopRequested.signal()
        }
    }

    // MARK: Steps

    private func startLogging() throws {
        let settings = self.settings
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
        let settings = self.settings
        if let configured = settings.token?.value {
            return try CallbackToken(validating: configured)
        }
        let (token, created) = try CallbackToken.loadOrCreate(in: settings.stateDirectory)
        if created {
            logger.notice("token.created", metadata: ["file": "\(settings.stateDirectory)/callback-token"])
        }
        return token
    }

    func loadCertificate(_ settings: Settings) throws -> TLSServerContext {
        if let certificate = settings.tls.certFile, let key = settings.tls.keyFile {
            return try TLSServerContext(certificateFile: certificate, keyFile: key)
        }
        let publicHost = settings.publicURL.flatMap { URL(string: $0)?.host }
        let names = [publicHost ?? ProcessInfo.processInfo.hostName, "localhost"]
        let files = try SelfSignedCertificate.ensure(in: settings.stateDirectory, hostNames: Array(Set(names)).sorted())
        if files.created {
            logger.notice("tls.selfsigned_created", metadata: ["cert_file": "\(files.certificateFile)"])
        }
        return try TLSServerContext(certificateFile: files.certificateFile, keyFile: files.keyFile)
    }

    private func openLedger() throws -> Ledger {
        if let shared = settings.ledger {
            do {
                let ledger = try Ledger.open(postgres: shared.url, password: shared.password?.value, limits: ledgerLimits)
                logger.info("ledger.opened", metadata: ["backend": "postgresql", "ledger": "\(ledger.path)"])
                ledgerMonitor = LedgerMonitor(ledger: ledger, logger: logger)
                return ledger
            } catch {
                // A database that is down at start is the operator's to fix (systemd
                // restarts the unit); once running, an outage is waited out instead.
                throw ServeError("ledger.url: \(error.description)")
            }
        }
        let path = settings.stateDirectory + "/ledger.sqlite"
        do {
            let ledger = try Ledger.open(path: path, limits: ledgerLimits)
            logger.info("ledger.opened", metadata: ["path": "\(path)"])
            return ledger
        } catch {
            throw ServeError(error.description)
        }
    }

    static func serverConfiguration(_ settings: Settings) -> ServerConfiguration {
        let limits = settings.limits
        return ServerConfiguration(
            limits: HTTPLimits(maxURIBytes: limits.maxURIBytes, maxHeaderBytes: limits.maxHeaderBytes,
                               maxHeaderCount: limits.maxHeaderCount, maxBodyBytes: limits.maxBodyBytes),
            handshakeTimeout: limits.handshakeTimeout.seconds, headerTimeout: limits.headerTimeout.seconds,
            bodyTimeout: limits.bodyTimeout.seconds, idleTimeout: limits.idleTimeout.seconds,
            maxConnections: limits.maxConnections, maxConnectionsPerAddress: limits.maxConnectionsPerAddress)
    }

    /// The admin listener is for probes and the archive site: one loop, small limits. The
    /// body limit takes the login form with the longest admin token (4096 characters,
    /// percent-encoded) and the action forms with their CSRF token.
    static let adminConfiguration = ServerConfiguration(limits: HTTPLimits(maxBodyBytes: 16 * 1024), headerTimeout: 5,
                                                        bodyTimeout: 5, idleTimeout: 30, maxConnections: 64, loopCount: 1,
                                                        threadName: "vh-admin")

    private func callbackRouter(intake: CallbackIntake) -> Router {
        var router = Router()
        let token = self.token
        router.add("GET", "/healthz") { _, _, respond in respond(.json(status: 200, #"{"status":"ok"}"#)) }
        router.add("POST", matching: { token.matchesPath($0) }) { request, context, respond in
            intake.handle(request, context: context, respond: respond)
        }
        return router
    }

    private func intakeObserver(downloads: DownloadService, videoAPI: VideoAPIServices) -> IntakeObserver {
        let metrics = self.metrics
        let counters = self.counters
        return IntakeObserver(
            outcome: { outcome in
                metrics.callback(DaemonMetrics.CallbackOutcome(rawValue: outcome.rawValue) ?? .accepted)
                counters.count(outcome)
            },
            committed: { nanoseconds in metrics.committed(after: nanoseconds) },
            // The job is committed: a worker takes it now rather than at its next poll.
            downloadJobCreated: { _ in downloads.wake() },
            verificationRequested: { id in videoAPI.verificationRequested(id) })
    }

    private func serverObserver(intake: CallbackIntake) -> ServerObserver {
        let metrics = self.metrics
        let token = self.token
        return ServerObserver(
            connectionDropped: { why in
                metrics.connectionDropped(DaemonMetrics.ConnectionDrop(rawValue: why.rawValue) ?? .addressCap)
            },
            handshakeFailed: { _ in metrics.handshakeFailed() },
            requestRefused: { status, reason, head, body, context in
                metrics.refused(status: status)
                // Only refusals on the real callback path are kept: scanners' junk is not.
                guard let head, token.matchesPath(head.path) else { return }
                intake.recordRefused(status: status, reason: reason, head: head, bodyPrefix: body, context: context)
            })
    }

    /// WATCHDOG=1 at half of WATCHDOG_USEC, only while every event loop goes round.
    private func startWatchdog() throws -> WatchdogPinger? {
        let server = self.server
        let logger = self.logger
        do {
            let pinger = try WatchdogPinger(environment: environment, notifier: notifier,
                                            healthCheck: { server?.loopsAreResponsive() ?? false },
                                            onMiss: { miss in logger.warning("watchdog.missed", metadata: ["why": "\(miss)"]) })
            guard pinger.isEnabled else { return nil }
            pinger.start()
            return pinger
        } catch {
            logger.warning("watchdog.disabled", metadata: ["reason": "\(error)"])
            return nil
        }
    }

    /// STATUS= lines for `systemctl status`, every 10 s.
    private func startStatusUpdates() -> DispatchSourceTimer {
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue.global(qos: .utility))
        timer.schedule(deadline: .now() + 1, repeating: 10)
        timer.setEventHandler { [self] in
            let open = server?.openConnections ?? 0
            notify { try $0.status("\(counters.summary), \(open) open connections") }
        }
        timer.resume()
        return timer
    }

    func notify(_ send: (SystemdNotifier) throws -> Void) {
        guard notifier.isEnabled else { return }
        do {
            try send(notifier)
        } catch {
            logger.warning("systemd.notify_failed", metadata: ["reason": "\(error)"])
        }
    }

    /// Tells the operator where to point the video API. The full URL carries the token,
    /// so it goes to a terminal only; logs and the journal get it with `<token>`.
    private func announce(check: PublicCallbackCheck, listeners: ListenerSource.Opened) {
        let settings = self.settings
        let callbackAddress = (try? SystemSocket.localAddress(listeners.callback))?.description ?? "\(settings.listen)"
        let adminAddress = (try? SystemSocket.localAddress(listeners.admin))?.description ?? "\(settings.adminListen)"
        let shown = check.callbackURL.replacingOccurrences(of: token.value, with: "<token>")
        logger.info("serve.started", metadata: ["listen": "\(callbackAddress)", "admin_listen": "\(adminAddress)",
                                                "callback_url": "\(shown)", "state_dir": "\(settings.stateDirectory)",
                                                "config": "\(configFile ?? "-")",
                                                "socket_activation": "\(listeners.activated)"])
        var lines = ["videohookd listening on \(callbackAddress) (HTTPS), admin on http://\(adminAddress)"]
        lines.append(check.message)
        if isatty(STDOUT_FILENO) == 1 {
            lines.append("callback URL: \(check.callbackURL)")
        } else {
            let where_ = settings.token == nil ? settings.stateDirectory + "/callback-token" : "the token setting"
            lines.append("callback URL: \(shown) (the token is in \(where_))")
        }
        // Written straight to descriptor 1: not buffered, so a supervisor sees it at once.
        FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
    }
}

/// Totals for the STATUS= line.
final class StatusCounters: Sendable {
    private let values = Mutex<[IntakeObserver.Outcome: Int]>([:])

    func count(_ outcome: IntakeObserver.Outcome) {
        values.withLock { $0[outcome, default: 0] += 1 }
    }

    var summary: String {
        let snapshot = values.withLock { $0 }
        return "callbacks: \(snapshot[.accepted] ?? 0) accepted, \(snapshot[.duplicate] ?? 0) duplicate, "
            + "\(snapshot[.unrecognized] ?? 0) unrecognized, \(snapshot[.rejected] ?? 0) rejected"
    }
}
