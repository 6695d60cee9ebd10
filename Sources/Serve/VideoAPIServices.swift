import APIClient
import Downloader
import Foundation
import Intake
import Ledger
import Reconciler
import Logging
import Settings
import Synchronization
import VideoAPI

/// The video API inside `serve` (issue 6), put together from the settings:
///
/// - with an API key: completed callbacks wait for the API's confirmation
///   (``CallbackPolicy/verifiesWithAPI``), the reconciler runs on its own thread, and
///   ``refreshLinks`` gives the downloader fresh links after a 403 or 410;
/// - without one: callbacks are downloaded as they come (logged as unverified), and any
///   download a run with a key left waiting for confirmation is released the same way.
///
/// Made before the downloader (which takes ``refreshLinks``), started after it (the
/// reconciler wakes it when it queues a download).
final class VideoAPIServices: Sendable {
    let callbackPolicy: CallbackPolicy
    private let ledger: Ledger
    private let logger: Logger
    private let configuration: ReconcilerConfiguration
    /// Retries as the API asks: for the downloader's 403/410 hook. Nil without a key.
    private let client: VideoAPIClient?
    /// One try per question: the reconciler's per-task backoff does the waiting.
    private let reconcilerClient: VideoAPIClient?
    private let reconciler = Mutex<ReconcilerService?>(nil)

    init(settings: Settings, ledger: Ledger, logger: Logger) throws {
        self.ledger = ledger
        self.logger = logger
        configuration = ReconcilerConfiguration(settings: settings)
        let accept = settings.api.acceptUnknownTasks
        guard let key = settings.api.key else {
            callbackPolicy = CallbackPolicy(verifiesWithAPI: false, acceptsUnknownTasks: accept)
            client = nil
            reconcilerClient = nil
            logger.notice("api.no_key", metadata: [
                "effect": "completed callbacks are downloaded unverified; no reconciler; expired links are not refreshed",
            ])
            return
        }
        do {
            let transport = try HTTPSAPITransport(caFile: settings.api.caFile)
            let configuration = VideoAPIClientConfiguration(baseURL: settings.api.baseURL, key: BearerKey(key.value))
            client = try VideoAPIClient(configuration: configuration, transport: transport, logger: logger)
            var once = configuration
            once.retry = .once
            reconcilerClient = try VideoAPIClient(configuration: once, transport: transport, logger: logger)
        } catch {
            throw ServeError(error.description)
        }
        callbackPolicy = CallbackPolicy(verifiesWithAPI: true, acceptsUnknownTasks: accept)
        logger.info("api.ready", metadata: [
            "base_url": "\(settings.api.baseURL)", "verification": "completed callbacks are confirmed before download",
            "reconcile_grace": "\(Int(configuration.schedule.grace))s", "accept_unknown_tasks": "\(accept)",
        ])
    }

    /// With a key: the reconciler, recording through `writer`, for the service stack to
    /// start. Without one: nil.
    /// - Parameter onDownloadQueued: a download was queued (wake the downloader).
    /// - Parameter turn: whether this instance may reconcile now (one at a time on a shared ledger).
    func makeReconciler(writer: LedgerWriter, turn: ReconcilerTurn? = nil,
                        onDownloadQueued: @escaping @Sendable (TaskID) -> Void) -> ReconcilerService? {
        guard let reconcilerClient else { return nil }
        let reconciler = Reconciler(ledger: ledger, sink: writer, client: reconcilerClient, configuration: configuration,
                                    logger: logger, onDownloadQueued: onDownloadQueued)
        let service = ReconcilerService(reconciler: reconciler, ledger: ledger, logger: logger, turn: turn)
        self.reconciler.withLock { $0 = service }
        return service
    }

    /// Without a key, once the downloader runs: releases the downloads a run with a key
    /// left waiting for confirmation, as unverified. With a key, nothing.
    func releaseHeldDownloadsWithoutKey(onDownloadQueued: (TaskID) -> Void) {
        guard reconcilerClient == nil else { return }
        let released = (try? ledger.releasePendingVerifications()) ?? []
        for id in released {
            logger.warning("callback.released_unverified", metadata: [
                "task_id": "\(id)", "reason": "no API key to confirm it with; downloading the callback's URLs",
            ])
            onDownloadQueued(id)
        }
    }

    /// The downloader's hook after a 403 or 410; nil without a key (those stay final).
    var refreshLinks: DownloadService.RefreshLinks? {
        guard let client else { return nil }
        return { id in try client.freshResultURLs(for: id) }
    }

    /// SIGHUP: a changed key is used from the next call on. A key set or removed where
    /// there was none changes what the daemon does with callbacks: that takes a restart.
    func apply(key: Secret?) {
        switch (client, key) {
        case (let client?, let key?):
            client.replaceKey(BearerKey(key.value))
            reconcilerClient?.replaceKey(BearerKey(key.value))
        case (nil, nil):
            break
        case (nil, _?), (_?, nil):
            logger.warning("api.key_restart_needed", metadata: [
                "reason": "an API key was \(key == nil ? "removed" : "added"); verification and the reconciler change only on restart",
            ])
        }
    }

    /// A completed callback waits for confirmation: ask now.
    func verificationRequested(_ id: TaskID) {
        reconciler.withLock { $0 }?.wake()
    }
}
