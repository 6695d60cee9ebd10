import Archive
import Foundation
import Glibc
import HTTPClient
import Ledger
import Lifecycle
import Logging
import Synchronization
import TLS
import URLPolicy
import VideoAPI

/// The downloader as the daemon runs it: `concurrency` worker threads that take jobs
/// from the ledger (soonest-expiring link first) and turn them into archived files.
///
/// - `start()` puts back jobs a crash left `running`, removes partial files no job owns,
///   and starts the workers.
/// - `wake()` starts a job at once (the intake calls it after committing one); idle
///   workers also look every `pollInterval`.
/// - `stop()` (SIGTERM) makes each worker stop at a resumable point (partial file
///   fsynced, offset recorded) and returns within `stopTimeout`.
/// - While the archive's disk has less than `diskReserveBytes` free, no job starts and
///   running ones pause; `isPausedForDiskSpace` says so for `/readyz`.
public final class DownloadService: Service, Sendable {
    public var serviceName: String { "download-service" }

    /// Asks the video API for the task again and returns its current result links, the
    /// video first (empty: none). Called on a 403 or 410 when an API key is set.
    public typealias RefreshLinks = @Sendable (TaskID) throws -> [String]

    private struct State {
        var started = false
        var stopping = false
        /// Worker threads alive; each leaves when `stopping`, or when there are more than
        /// `targetWorkers` (after a reload lowered `download.concurrency`).
        var runningWorkers = 0
        var targetWorkers = 0
        var nextWorkerNumber = 0
        var cancellers: [ConnectionCanceller] = []
        /// While paused: the free bytes that lift the pause (the reserve, plus what the
        /// job that did not fit still has to write).
        var pausedUntilFree: Int64?
        /// The jobs the workers run now, with their leases.
        var leases: [JobLease] = []
        /// This archive folder's identity, read at start.
        var partialArchive: String?
        /// Whether claims may take over other instances' lapsed jobs now.
        var mayTakeOver: @Sendable () -> Bool = { true }
    }

    private let ledger: Ledger
    private let configuration: DownloaderConfiguration
    private let policy: URLPolicy
    private let logger: Logger
    private let refreshLinks: RefreshLinks?
    private let observer: DownloadObserver
    private let destination: (any ArchiveDestination)?
    private let tls: TLSClientContext
    private let connector: any SocketConnector
    private let wakeSignal = WakeSignal()
    private let state = Mutex(State())
    private let exited = WakeSignal()
    private let active = Atomic<Int>(0)

    /// - Parameters:
    ///   - policy: judges every video URL and redirect; its resolver's answers are the
    ///     only addresses connected to.
    ///   - refreshLinks: asks the video API for fresh links on 403/410; nil makes those final.
    ///   - observer: told about archived bytes (metrics).
    ///   - destination: where finished downloads go (a bucket, from `ObjectArchive`);
    ///     nil is the file archive under `configuration.archiveDirectory`.
    public convenience init(ledger: Ledger, configuration: DownloaderConfiguration, policy: URLPolicy, logger: Logger,
                            refreshLinks: RefreshLinks? = nil, observer: DownloadObserver = DownloadObserver(),
                            destination: (any ArchiveDestination)? = nil) throws(DownloaderError) {
        try self.init(ledger: ledger, configuration: configuration, policy: policy, logger: logger,
                      refreshLinks: refreshLinks, observer: observer, destination: destination,
                      connector: SystemSocketConnector())
    }

    init(ledger: Ledger, configuration: DownloaderConfiguration, policy: URLPolicy, logger: Logger,
         refreshLinks: RefreshLinks?, observer: DownloadObserver = DownloadObserver(),
         destination: (any ArchiveDestination)? = nil, connector: any SocketConnector) throws(DownloaderError) {
        precondition(configuration.concurrency > 0, "download.concurrency must be positive")
        self.ledger = ledger
        self.configuration = configuration
        self.policy = policy
        self.logger = logger
        self.refreshLinks = refreshLinks
        self.observer = observer
        self.destination = destination
        self.connector = connector
        do {
            tls = try TLSClientContext(extraCAFile: configuration.caFile)
        } catch {
            throw DownloaderError(error.message)
        }
    }

    /// True while downloads wait for free space on the archive's disk.
    public var isPausedForDiskSpace: Bool { state.withLock { $0.pausedUntilFree != nil } }

    /// Jobs being downloaded now.
    public var activeDownloads: Int { active.load(ordering: .relaxed) }

    /// The task ids of the jobs the workers run now: the leases the instance renews.
    public var runningTaskIDs: Set<String> { state.withLock { Set($0.leases.map(\.taskID)) } }

    /// Says whether claims may take over jobs whose lease lapsed (`serve`: not while its
    /// own renewals have only just come back, see ``InstanceLeases``); always, unless set.
    public func setTakeoverGate(_ gate: @escaping @Sendable () -> Bool) {
        state.withLock { $0.mayTakeOver = gate }
    }

    /// Another instance holds `taskID`'s job now (this one's renewal found so): its
    /// worker stops it at once, without a further write. A job no worker runs any more is
    /// left alone.
    public func leaseLost(taskID: String, owner: String) {
        let lease = state.withLock { $0.leases.first { $0.taskID == taskID } }
        guard let lease, lease.lostTo == nil else { return }
        logger.warning("download.lease_lost", metadata: ["task_id": "\(taskID)", "owner": "\(owner)",
                                                         "action": "stopping the job"])
        lease.lose(to: owner)
    }

    public func start() throws(DownloaderError) {
        // OpenSSL's socket BIO writes with plain write(): an alert sent to a server that
        // already closed would raise SIGPIPE and kill the process instead of failing
        // the attempt. `serve` ignores it too; this covers every other caller.
        Glibc.signal(SIGPIPE, SIG_IGN)
        let layout = ArchiveLayout(root: configuration.archiveDirectory)
        do {
            try ArchiveFileSystem.makeDirectories(layout.partialDirectory)
        } catch {
            throw DownloaderError("archive_dir \(configuration.archiveDirectory): \(error)")
        }
        let partialArchive: String
        do {
            partialArchive = try PartialFolderIdentity.loadOrCreate(in: layout)
        } catch {
            throw DownloaderError("archive_dir \(configuration.archiveDirectory): \(error)")
        }
        state.withLock { $0.partialArchive = partialArchive }
        do {
            let requeued = try ledger.requeueRunningDownloads()
            if requeued > 0 {
                logger.notice("download.requeued", metadata: ["jobs": "\(requeued)", "reason": "running when the daemon last stopped"])
            }
            let owners = try ledger.unfinishedDownloadTaskIDs()
            for name in try PartialFileSweeper.removeOrphans(in: layout, owners: owners) {
                logger.notice("download.partial_removed", metadata: ["file": "\(name)", "reason": "no queued job owns it"])
            }
        } catch let error as LedgerError {
            throw DownloaderError(error.description)
        } catch {
            throw DownloaderError("archive_dir \(configuration.archiveDirectory): \(error)")
        }
        let count = state.withLock { state -> Int in
            guard !state.started else { return 0 }
            state.started = true
            state.targetWorkers = configuration.concurrency
            return configuration.concurrency
        }
        do {
            try startWorkers(count)
        } catch {
            throw DownloaderError("\(error)")
        }
        logger.info("download.service_started", metadata: ["workers": "\(count)",
                                                           "archive_dir": "\(configuration.archiveDirectory)"])
    }

    /// Changes the number of workers (SIGHUP with a new `download.concurrency`): new ones
    /// start now, surplus ones leave once their current job has ended.
    public func setConcurrency(_ concurrency: Int) {
        precondition(concurrency > 0, "download.concurrency must be positive")
        let more = state.withLock { state -> Int in
            guard state.started, !state.stopping else { return 0 }
            state.targetWorkers = concurrency
            return max(0, concurrency - state.runningWorkers)
        }
        do {
            try startWorkers(more)
        } catch {
            logger.error("download.worker_not_started", metadata: ["reason": "\(error)"])
        }
        wakeSignal.wakeAll()
        logger.info("download.concurrency_changed", metadata: ["workers": "\(concurrency)"])
    }

    /// Workers now running (not counting those that will leave after a lowered concurrency).
    public var workerCount: Int { state.withLock { min($0.runningWorkers, $0.targetWorkers) } }

    /// Starts `count` workers; throws when the system refuses a thread (those already
    /// started keep running and stop with the service).
    private func startWorkers(_ count: Int) throws(ThreadStartError) {
        for _ in 0..<count {
            let number = state.withLock { state -> Int in
                state.runningWorkers += 1
                defer { state.nextWorkerNumber += 1 }
                return state.nextWorkerNumber
            }
            do {
                _ = try NamedThread.start("vh-download-\(number)") { [self] in
                    work()
                    exited.wakeAll()
                }
            } catch {
                state.withLock { $0.runningWorkers -= 1 }
                throw error
            }
        }
    }

    /// Looks for a due job now: the intake calls this once per job it queued, so one
    /// idle worker is woken, not all of them to race for the one claim. While paused for
    /// disk space nothing can start, and the workers' own poll notices when space comes
    /// back; waking them would only ask the disk again for every callback.
    public func wake() {
        if isPausedForDiskSpace { return }
        wakeSignal.wakeOne()
    }

    /// Stops the workers at a resumable point. Returns true when every worker has
    /// stopped within `stopTimeout`.
    @discardableResult
    public func stop() -> Bool {
        beginStopping()
        return waitUntilStopped(timeout: configuration.stopTimeout)
    }

    /// Tells the workers to stop and cuts their connections, so a download stalled on a
    /// slow server stops at once; each saves its partial file (fsynced, offset recorded).
    public func beginStopping() {
        let cancellers = state.withLock { state -> [ConnectionCanceller] in
            state.stopping = true
            return state.cancellers
        }
        for canceller in cancellers { canceller.cancel() }
        wakeSignal.wakeAll()
    }

    public func waitUntilStopped(timeout: Duration) -> Bool {
        let until = Date(timeIntervalSinceNow: timeout.seconds)
        while true {
            let seen = exited.current
            let running = state.withLock { $0.runningWorkers }
            if running == 0 {
                logger.info("download.service_stopped")
                return true
            }
            let left = until.timeIntervalSinceNow
            if left <= 0 {
                logger.warning("download.stop_timeout", metadata: ["workers_still_running": "\(running)"])
                return false
            }
            exited.wait(after: seen, seconds: left)
        }
    }

    // MARK: Workers

    /// True (and this worker counted out) when it should leave now.
    private func shouldLeave(_ canceller: ConnectionCanceller) -> Bool {
        state.withLock { state in
            guard state.stopping || state.runningWorkers > state.targetWorkers else { return false }
            state.runningWorkers -= 1
            state.cancellers.removeAll { $0 === canceller }
            return true
        }
    }

    private func work() {
        var canceller = ConnectionCanceller()
        state.withLock { $0.cancellers.append(canceller) }
        if canceller.isCancelled || shouldLeave(canceller) { return }
        var runner = makeRunner(canceller)
        let poll = configuration.pollInterval.seconds
        while !shouldLeave(canceller) {
            let seen = wakeSignal.current
            guard hasRoomOnDisk() else {
                wakeSignal.wait(after: seen, seconds: poll)
                continue
            }
            let claim: DownloadClaim?
            do {
                claim = try ledger.claimNextDownload(takingOver: state.withLock { $0.mayTakeOver }())
            } catch {
                logger.error("download.ledger_error", metadata: ["step": "claim", "reason": "\(error)"])
                wakeSignal.wait(after: seen, seconds: poll)
                continue
            }
            guard let claim else {
                let due = (try? ledger.nextDownloadDue())?.map { $0.timeIntervalSinceNow } ?? poll
                wakeSignal.wait(after: seen, seconds: min(poll, max(due, 0.01)))
                continue
            }
            if let previous = claim.takenOverFrom {
                logger.notice("download.taken_over", metadata: [
                    "task_id": "\(claim.job.taskID)", "previous_owner": "\(previous)",
                    "bytes_done": "\(claim.job.bytesDone)",
                    "reason": "its lease lapsed at \(claim.job.leaseUntil.map { UTCTime.format($0) } ?? "?") without a renewal",
                ])
            }
            // More may be due (a burst, a restart's backlog): pass the wake on to one more
            // idle worker, which claims the next job or goes back to sleep.
            wakeSignal.wakeOne()
            let lease = JobLease(taskID: claim.job.taskID, canceller: canceller)
            state.withLock { $0.leases.append(lease) }
            active.add(1, ordering: .relaxed)
            let outcome = runner.run(claim, lease: lease)
            active.subtract(1, ordering: .relaxed)
            state.withLock { $0.leases.removeAll { $0 === lease } }
            if case .done(let location, let bytes) = outcome {
                observer.archived(bytes)
                observer.videoArchived(claim.job.taskID, location)
            }
            if case .pausedForDiskSpace(let reason, let needed) = outcome {
                pause(reason, untilFree: configuration.diskReserveBytes + needed)
            }
            if case .leaseLost = outcome, let fresh = replaceCanceller(canceller) {
                // The lost job's cut spent this canceller; the worker goes on with a new one.
                canceller = fresh
                runner = makeRunner(fresh)
            }
        }
    }

    private func makeRunner(_ canceller: ConnectionCanceller) -> DownloadJobRunner {
        let client = HTTPSClient(
            tls: tls, policy: policy, connector: connector,
            timeouts: .init(connectMilliseconds: configuration.connectTimeout.milliseconds,
                            readMilliseconds: configuration.readTimeout.milliseconds),
            userAgent: configuration.userAgent,
            receiveBufferBytes: configuration.receiveBufferBytes)
        return DownloadJobRunner(ledger: ledger, configuration: configuration, client: client, canceller: canceller,
                                 logger: logger, refreshLinks: refreshLinks, destination: destination,
                                 partialArchive: state.withLock { $0.partialArchive })
    }

    /// Swaps a worker's spent canceller for a new one; nil when the service is stopping
    /// (the worker leaves with the old one).
    private func replaceCanceller(_ old: ConnectionCanceller) -> ConnectionCanceller? {
        state.withLock { state -> ConnectionCanceller? in
            guard !state.stopping, let index = state.cancellers.firstIndex(where: { $0 === old }) else { return nil }
            let fresh = ConnectionCanceller()
            state.cancellers[index] = fresh
            return fresh
        }
    }

    /// Checks the reserve before a job is taken; pauses or resumes the pool on a change.
    private func hasRoomOnDisk() -> Bool {
        guard let free = try? DiskSpace.availableBytes(at: configuration.archiveDirectory) else { return true }
        let reserve = configuration.diskReserveBytes
        let resumed = state.withLock { state -> Bool? in
            let needed = max(state.pausedUntilFree ?? reserve, reserve)
            if free < needed { return nil }
            guard state.pausedUntilFree != nil else { return false }
            state.pausedUntilFree = nil
            return true
        }
        guard let resumed else {
            pause("\(free) bytes free on the archive's disk, under disk_reserve_bytes (\(reserve))", untilFree: reserve)
            return false
        }
        if resumed {
            logger.notice("download.resumed", metadata: ["free_bytes": "\(free)"])
            wakeSignal.wakeAll()
        }
        return true
    }

    /// Pauses the pool (logged once per pause) until `untilFree` bytes are free.
    private func pause(_ reason: String, untilFree: Int64) {
        let started = state.withLock { state -> Bool in
            defer { state.pausedUntilFree = max(state.pausedUntilFree ?? 0, untilFree) }
            return state.pausedUntilFree == nil
        }
        if started {
            logger.warning("download.paused", metadata: ["reason": "\(reason)", "resumes_at_free_bytes": "\(untilFree)",
                                                         "archive_dir": "\(configuration.archiveDirectory)"])
        }
    }
}
