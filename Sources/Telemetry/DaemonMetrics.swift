import Prometheus
import Synchronization

/// Every metric the daemon exposes on `/metrics`, in the Prometheus text format.
///
/// Counters are incremented where things happen (the intake, the server, the
/// downloader); gauges that describe the ledger or the server are set just before each
/// scrape by `refresh`, so they cost nothing between scrapes.
public final class DaemonMetrics: Sendable {
    private let registry: PrometheusCollectorRegistry

    public enum CallbackOutcome: String, Sendable, CaseIterable {
        case accepted, duplicate, unrecognized, rejected, unavailable
    }

    public enum DownloadState: String, Sendable, CaseIterable {
        case queued, running, done, failed
    }

    private let callbacks: [CallbackOutcome: Counter]
    private let commitLatency: DurationHistogram
    private let handshakeFailures: Counter
    private let droppedConnections: [ConnectionDrop: Counter]
    private let droppedLogLines: Counter
    /// The log file's own count as last seen: the counter goes up by what is new.
    private let droppedLogLinesSeen = Mutex<Int>(0)
    private let refusals: Mutex<[Int: Counter]>
    private let downloads: [DownloadState: Gauge]
    private let downloadedBytes: Counter
    private let oldestLinkSecondsLeft: Gauge
    private let openConnections: Gauge
    private let deliveries: Mutex<[String: Counter]>
    private let oldestPendingDelivery: Gauge
    private let uploadedBytes: Counter
    private let uploadFailures: [UploadFailure: Counter]
    /// Made at the first check: a daemon without `s3.bucket` shows no such gauge.
    private let bucketReachableGauge = Mutex<Gauge?>(nil)
    private let instances: [InstanceState: Gauge]
    private let held: [HeldKind: Gauge]
    private let renewalFailures: Counter

    /// Why the callback listener closed a connection unserved, for
    /// `videohookd_connections_dropped_total`.
    public enum ConnectionDrop: String, Sendable, CaseIterable {
        /// Over `limits.max_connections_per_address`, at accept.
        case addressCap = "address_cap"
        /// The oldest unfinished handshake, closed for a new connection at the total cap.
        case displaced
    }

    /// The instances of the ledger by state, for `videohookd_instances`.
    public enum InstanceState: String, Sendable, CaseIterable {
        case alive, lapsed, stopped
    }

    /// What this instance holds under a lease, for `videohookd_held`.
    public enum HeldKind: String, Sendable, CaseIterable {
        case downloads, deliveries, reconciler
    }

    /// How a notification attempt ended, for `videohookd_notify_deliveries_total`.
    public enum DeliveryOutcome: String, Sendable, CaseIterable {
        case delivered, retry, failed
    }

    /// How a write to the bucket failed, for `videohookd_upload_failures_total`: S3's
    /// own three dispositions (a passing trouble, one only the operator fixes, a request
    /// that can never succeed as it is).
    public enum UploadFailure: String, Sendable, CaseIterable {
        case transient
        case needsOperator = "needs_operator"
        case failed
    }

    public init() {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        callbacks = Dictionary(uniqueKeysWithValues: CallbackOutcome.allCases.map { outcome in
            (outcome, registry.makeCounter(
                descriptor: MetricNameDescriptor(namespace: "videohookd", metricName: "callbacks", unitName: "total",
                                                 helpText: "Callbacks by outcome: accepted, duplicate, unrecognized (kept, 202), rejected (400/413), unavailable (503)."),
                labels: [("outcome", outcome.rawValue)]))
        })
        commitLatency = registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(namespace: "videohookd", metricName: "callback_commit", unitName: "seconds",
                                             helpText: "Time from the end of a callback request to its ledger commit (the answer follows at once)."),
            buckets: [.microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
                      .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1)])
        handshakeFailures = registry.makeCounter(
            descriptor: MetricNameDescriptor(namespace: "videohookd", metricName: "tls_handshake_failures", unitName: "total",
                                             helpText: "TLS handshakes that failed, including plain HTTP sent to the TLS port."))
        droppedConnections = Dictionary(uniqueKeysWithValues: ConnectionDrop.allCases.map { reason in
            (reason, registry.makeCounter(
                descriptor: MetricNameDescriptor(namespace: "videohookd", metricName: "connections_dropped", unitName: "total",
                                                 helpText: "Connections to the callback listener closed before any request, by reason: address_cap (over limits.max_connections_per_address, closed at accept), displaced (the oldest unfinished TLS handshake, closed to admit a new connection at limits.max_connections)."),
                labels: [("reason", reason.rawValue)]))
        })
        droppedLogLines = registry.makeCounter(
            descriptor: MetricNameDescriptor(namespace: "videohookd", metricName: "log_lines_dropped", unitName: "total",
                                             helpText: "Log lines that could not be written to log_file (disk full, file system gone); the first of each outage is said on standard error."))
        refusals = Mutex([:])
        downloads = Dictionary(uniqueKeysWithValues: DownloadState.allCases.map { state in
            (state, registry.makeGauge(
                descriptor: MetricNameDescriptor(namespace: "videohookd", metricName: "download_jobs", unitName: "",
                                                 helpText: "Download jobs in the ledger by state."),
                labels: [("state", state.rawValue)]))
        })
        downloadedBytes = registry.makeCounter(
            descriptor: MetricNameDescriptor(namespace: "videohookd", metricName: "downloaded", unitName: "bytes_total",
                                             helpText: "Bytes of video written to the archive's partial files."))
        oldestLinkSecondsLeft = registry.makeGauge(
            descriptor: MetricNameDescriptor(namespace: "videohookd", metricName: "oldest_waiting_link", unitName: "seconds_left",
                                             helpText: "Seconds until the link of the waiting download that expires soonest expires; 86400 when none waits."))
        openConnections = registry.makeGauge(
            descriptor: MetricNameDescriptor(namespace: "videohookd", metricName: "open_connections", unitName: "",
                                             helpText: "Open connections on the callback listener."))
        deliveries = Mutex([:])
        oldestPendingDelivery = registry.makeGauge(
            descriptor: MetricNameDescriptor(namespace: "videohookd", metricName: "notify_oldest_pending_age", unitName: "seconds",
                                             helpText: "Age of the oldest event still waiting for a delivery; 0 when none waits."))
        uploadedBytes = registry.makeCounter(
            descriptor: MetricNameDescriptor(namespace: "videohookd", metricName: "upload", unitName: "bytes_total",
                                             helpText: "Bytes the object store acknowledged (parts, whole objects, sidecars)."))
        uploadFailures = Dictionary(uniqueKeysWithValues: UploadFailure.allCases.map { kind in
            (kind, registry.makeCounter(
                descriptor: MetricNameDescriptor(namespace: "videohookd", metricName: "upload_failures", unitName: "total",
                                                 helpText: "Writes to the object store that failed, by kind: transient (retried soon), needs_operator (credentials, permissions, the bucket), failed (cannot succeed as sent)."),
                labels: [("kind", kind.rawValue)]))
        })
        instances = Dictionary(uniqueKeysWithValues: InstanceState.allCases.map { state in
            (state, registry.makeGauge(
                descriptor: MetricNameDescriptor(namespace: "videohookd", metricName: "instances", unitName: "",
                                                 helpText: "The serve instances of the ledger by state: alive (beating within the lease), lapsed (silent past it: dead, its work taken over), stopped (cleanly). The same on every instance."),
                labels: [("state", state.rawValue)]))
        })
        held = Dictionary(uniqueKeysWithValues: HeldKind.allCases.map { kind in
            (kind, registry.makeGauge(
                descriptor: MetricNameDescriptor(namespace: "videohookd", metricName: "held", unitName: "",
                                                 helpText: "What this instance holds under a lease: download jobs and deliveries in hand, and 1 for the reconciler's turn."),
                labels: [("kind", kind.rawValue)]))
        })
        renewalFailures = registry.makeCounter(
            descriptor: MetricNameDescriptor(namespace: "videohookd", metricName: "lease_renewal_failures", unitName: "total",
                                             helpText: "Renewals of this instance's heartbeat and leases that failed; past the lease (30 s) without one, the other instances take its work over."))
        oldestLinkSecondsLeft.set(to: 86_400)
    }

    /// Set right before a scrape: the ledger's instances by state.
    public func refreshInstances(_ counts: [InstanceState: Int]) {
        for state in InstanceState.allCases { instances[state]?.set(to: Double(counts[state] ?? 0)) }
    }

    /// Set right before a scrape: what this instance holds.
    public func refreshHeld(_ counts: [HeldKind: Int]) {
        for kind in HeldKind.allCases { held[kind]?.set(to: Double(counts[kind] ?? 0)) }
    }

    /// A renewal of the heartbeat and leases failed.
    public func leaseRenewalFailed() {
        renewalFailures.increment()
    }

    /// The object store acknowledged `bytes`.
    public func uploaded(bytes: Int64) {
        uploadedBytes.increment(by: bytes)
    }

    /// A write to the object store failed.
    public func uploadFailed(_ kind: UploadFailure) {
        uploadFailures[kind]?.increment()
    }

    /// The last bucket check's outcome.
    public func bucketReachable(_ reachable: Bool) {
        let gauge = bucketReachableGauge.withLock { gauge in
            if let gauge { return gauge }
            let made = registry.makeGauge(
                descriptor: MetricNameDescriptor(namespace: "videohookd", metricName: "bucket_reachable", unitName: "",
                                                 helpText: "1 when the last check of s3.bucket (HeadBucket) passed, 0 when it failed; absent without s3.bucket."))
            gauge = made
            return made
        }
        gauge.set(to: reachable ? 1 : 0)
    }

    /// A notification attempt at `target` (its key: a webhook's URL without the query, a
    /// command's argv[0]), by how it ended.
    public func delivery(target: String, outcome: DeliveryOutcome) {
        let key = target + "\u{0}" + outcome.rawValue
        let counter = deliveries.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = registry.makeCounter(
                descriptor: MetricNameDescriptor(namespace: "videohookd", metricName: "notify_deliveries", unitName: "total",
                                                 helpText: "Notification attempts by target and outcome: delivered, retry (will be tried again), failed (given up)."),
                labels: [("target", target), ("outcome", outcome.rawValue)])
            counters[key] = counter
            return counter
        }
        counter.increment()
    }

    /// Set right before a scrape, from the ledger.
    public func refreshNotifications(oldestPendingAge seconds: Double?) {
        oldestPendingDelivery.set(to: max(0, seconds ?? 0))
    }

    public func callback(_ outcome: CallbackOutcome) {
        callbacks[outcome]?.increment()
    }

    public func committed(after nanoseconds: UInt64) {
        commitLatency.record(.nanoseconds(Int64(clamping: nanoseconds)))
    }

    public func handshakeFailed() {
        handshakeFailures.increment()
    }

    /// Set right before a scrape from the log file's count of lines it could not write.
    public func refreshDroppedLogLines(total: Int) {
        let new = droppedLogLinesSeen.withLock { seen -> Int in
            defer { seen = max(seen, total) }
            return max(0, total - seen)
        }
        if new > 0 { droppedLogLines.increment(by: Int64(new)) }
    }

    public func connectionDropped(_ reason: ConnectionDrop) {
        droppedConnections[reason]?.increment()
    }

    /// A request refused by the HTTP layer, by status (400, 408, 413, 414, 431, 503...).
    public func refused(status: Int) {
        let counter = refusals.withLock { counters in
            if let counter = counters[status] { return counter }
            let counter = registry.makeCounter(
                descriptor: MetricNameDescriptor(namespace: "videohookd", metricName: "http_refusals", unitName: "total",
                                                 helpText: "Requests refused before reaching a handler, by status."),
                labels: [("status", String(status))])
            counters[status] = counter
            return counter
        }
        counter.increment()
    }

    public func downloaded(bytes: Int) {
        downloadedBytes.increment(by: Int64(bytes))
    }

    /// The gauges read from the ledger and the server, set right before a scrape.
    public func refresh(downloadJobs: [DownloadState: Int], oldestLinkSecondsLeft seconds: Double?, openConnections open: Int) {
        for state in DownloadState.allCases {
            downloads[state]?.set(to: Double(downloadJobs[state] ?? 0))
        }
        oldestLinkSecondsLeft.set(to: seconds ?? 86_400)
        openConnections.set(to: Double(open))
    }

    /// The text exposition format (version 0.0.4).
    public func render() -> [UInt8] {
        registry.emitToBuffer()
    }

    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"
}
