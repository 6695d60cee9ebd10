import ArchiveSite
import Foundation
import HTTP
import Downloader
import Ledger
import Server
import Settings
import Telemetry

extension ServeRuntime {
    /// The admin listener's routes: `/healthz` (the process answers), `/readyz` (it can
    /// take callbacks and archive videos), `/metrics` (Prometheus text), and the archive
    /// site (docs/archive-site.md) with its access rules and security headers.
    ///
    /// `/healthz` and `/readyz` stay open, for load balancers and probes that carry no
    /// secret and learn nothing from the answer. `/metrics` off loopback asks for the
    /// bearer token like the API: it tells the task counts and rates of the archive.
    func adminRouter(ledger: Ledger) -> Router {
        var router = Router()
        let access = AdminAccess(token: settings.admin.token?.value, loopback: AdminSettings.isLoopback(settings.adminListen))
        let downloads = self.downloads
        let site = ArchiveSite(ArchiveSite.Configuration(
            ledger: ledger, access: access, objectLinks: objectStore.map { BucketVideoLinks(parts: $0) },
            downloadRequeued: { downloads?.wake() }, logger: logger))
        site.install(on: &router)
        router.add("GET", "/healthz") { _, _, respond in respond(.json(status: 200, #"{"status":"ok"}"#)) }
        router.add("GET", "/readyz") { [self] _, _, respond in
            let failures = ReadinessProbe(settings: settings, serverRunning: server != nil,
                                          loopsResponsive: server?.loopsAreResponsive(within: ReadinessProbe.loopSilence)
                                              ?? false,
                                          downloadsPaused: downloads?.isPausedForDiskSpace ?? false,
                                          bucketProblem: objectStore?.monitor.readinessProblem,
                                          ledgerProblem: ledgerMonitor?.readinessProblem).failures()
            if failures.isEmpty {
                respond(.json(status: 200, #"{"status":"ready"}"#))
            } else {
                let checks = failures.map { #""\#($0.check)":\#(JSONString.quoted($0.problem))"# }.joined(separator: ",")
                respond(.json(status: 503, #"{"status":"not ready","failed":{\#(checks)}}"#))
            }
        }
        router.add("GET", "/metrics") { [self] request, _, respond in
            if !access.isOpen, case .failure(let refusal) = access.authorize(request.head, api: true, changesState: false) {
                return respond(refusal.response)
            }
            refreshMetrics()
            var headers = HTTPHeaders()
            headers.add("Content-Type", DaemonMetrics.contentType)
            respond(HTTPResponse(status: 200, headers: headers, body: metrics.render()))
        }
        return router
    }

    /// The gauges that describe the ledger and the server, read at scrape time.
    private func refreshMetrics() {
        var jobs: [DaemonMetrics.DownloadState: Int] = [:]
        if let counts = try? ledger?.counts() {
            for (state, count) in counts.downloadJobsByState {
                if let metric = DaemonMetrics.DownloadState(rawValue: state.rawValue) { jobs[metric] = count }
            }
        }
        let soonest = (try? ledger?.soonestWaitingDeadline()) ?? nil
        metrics.refresh(downloadJobs: jobs, oldestLinkSecondsLeft: soonest.map { $0.timeIntervalSinceNow },
                        openConnections: server?.openConnections ?? 0)
        metrics.refreshDroppedLogLines(total: logFile?.failedWrites ?? 0)
        let oldestPending = (try? ledger?.deliveryStatistics())?.oldestPending
        metrics.refreshNotifications(oldestPendingAge: oldestPending.map { -$0.timeIntervalSinceNow })
        if let instances = try? ledger?.instances() {
            var counts: [DaemonMetrics.InstanceState: Int] = [:]
            for instance in instances {
                if let state = DaemonMetrics.InstanceState(rawValue: instance.state.rawValue) { counts[state, default: 0] += 1 }
            }
            metrics.refreshInstances(counts)
        }
        metrics.refreshHeld([
            .downloads: downloads?.runningTaskIDs.count ?? 0,
            .deliveries: notifications?.runningDeliveryIDs.count ?? 0,
            .reconciler: instanceLeases?.holds(InstanceLeases.reconcilerLease) == true ? 1 : 0,
        ])
    }
}

/// The readiness checks: the ledger and the archive writable, the archive's disk above
/// its reserve, downloads not paused, the bucket writable (with `s3.bucket`), the
/// listener up and its event loops going round.
struct ReadinessProbe {
    struct Failure {
        var check: String
        var problem: String
    }

    /// Seconds an event loop may go without a round before the listener is not ready.
    static let loopSilence: Double = 5

    var settings: Settings
    var serverRunning: Bool
    /// Every event loop of the callback listener went round within ``loopSilence`` (the
    /// watchdog's own test): a loop held up by a handler or a bug takes no callbacks
    /// while the process still answers here, on the admin listener's own loop.
    var loopsResponsive: Bool
    /// The downloader waits for room on the archive's disk (its reserve, or the reserve
    /// plus a video that would not fit).
    var downloadsPaused = false
    /// Why the bucket cannot be written (``BucketMonitor``); nil without one, or while it can.
    var bucketProblem: String?
    /// Why the shared ledger does not answer (``LedgerMonitor``); nil on SQLite, or while it does.
    var ledgerProblem: String?

    func failures() -> [Failure] {
        var failures: [Failure] = []
        if settings.ledger != nil {
            if let ledgerProblem { failures.append(Failure(check: "ledger", problem: ledgerProblem)) }
        } else {
            let ledgerPath = settings.stateDirectory + "/ledger.sqlite"
            if access(settings.stateDirectory, W_OK) != 0 || access(ledgerPath, W_OK) != 0 {
                failures.append(Failure(check: "ledger", problem: "\(ledgerPath) is not writable"))
            }
        }
        if access(settings.archiveDirectory, W_OK) != 0 {
            failures.append(Failure(check: "archive", problem: "\(settings.archiveDirectory) is not writable"))
        }
        var disk = statvfs()
        if statvfs(settings.archiveDirectory, &disk) == 0 {
            let free = Int(disk.f_bavail) * Int(disk.f_frsize)
            if free < settings.diskReserveBytes {
                failures.append(Failure(check: "disk", problem: "\(free) bytes free, below disk_reserve_bytes \(settings.diskReserveBytes)"))
            }
        }
        if downloadsPaused {
            failures.append(Failure(check: "downloads", problem: "paused until the archive's disk has room above disk_reserve_bytes"))
        }
        if let bucketProblem {
            failures.append(Failure(check: "bucket", problem: bucketProblem))
        }
        if !serverRunning {
            failures.append(Failure(check: "listener", problem: "the callback listener is not running"))
        } else if !loopsResponsive {
            failures.append(Failure(check: "listener",
                                    problem: "an event loop of the callback listener has not gone round for \(Int(Self.loopSilence)) s"))
        }
        return failures
    }
}
