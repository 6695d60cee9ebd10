import APIClient
import Foundation
import Intake
import Ledger
import Logging
import Settings
import VideoAPI

/// The video API inside `serve` (issue 6), put together from the settings:
///
/// - with an API key: completed callbacks wait for the API's confirmation
///   (``CallbackPolicy/verifiesWithAPI``), the reconciler runs on its own thread, and
///   ``refreshURL`` gives the downloader a fresh link after a 403 or 410;
/// - without one: callbacks are downloaded as they come (logged as unverified), and any
///   download a run with a key left waiting for confirmation is released the same way.
final class VideoAPIServices: Sendable {
    let callbackPolicy: CallbackPolicy
    /// For the downloader's 403/410 hook; nil without a key.
    let client: VideoAPIClient?
    private let reconcilerClient: VideoAPIClient?
    private let reconciler: ReconcilerService?

    private init(callbackPolicy: CallbackPolicy, client: VideoAPIClient?, reconcilerClient: VideoAPIClient?,
                 reconciler: ReconcilerService?) {
        self.callbackPolicy = callbackPolicy
        self.client = client
        self.reconcilerClient = reconcilerClient
        self.reconciler = reconciler
    }

    /// - Parameter onDownloadQueued: the reconciler queued a download (wake the downloader).
    static func start(settings: Settings, ledger: Ledger, writer: LedgerWriter, logger: Logger,
                      onDownloadQueued: @escaping @Sendable (TaskID) -> Void = { _ in }) throws -> VideoAPIServices {
        let accept = settings.api.acceptUnknownTasks
        guard let key = settings.api.key else {
            let released = (try? ledger.releasePendingVerifications()) ?? []
            for id in released {
                logger.warning("callback.released_unverified", metadata: [
                    "task_id": "\(id)", "reason": "no API key to confirm it with; downloading the callback's URLs",
                ])
                onDownloadQueued(id)
            }
            logger.notice("api.no_key", metadata: [
                "effect": "completed callbacks are downloaded unverified; no reconciler; expired links are not refreshed",
            ])
            return VideoAPIServices(callbackPolicy: CallbackPolicy(verifiesWithAPI: false, acceptsUnknownTasks: accept),
                                    client: nil, reconcilerClient: nil, reconciler: nil)
        }
        let transport: HTTPSAPITransport
        let client: VideoAPIClient
        let reconcilerClient: VideoAPIClient
        do {
            transport = try HTTPSAPITransport(caFile: settings.api.caFile)
            let configuration = VideoAPIClientConfiguration(baseURL: settings.api.baseURL, key: BearerKey(key.value))
            client = try VideoAPIClient(configuration: configuration, transport: transport, logger: logger)
            var once = configuration
            once.retry = .once
            reconcilerClient = try VideoAPIClient(configuration: once, transport: transport, logger: logger)
        } catch {
            throw ServeError(error.description)
        }
        let configuration = ReconcilerConfiguration(settings: settings)
        let reconciler = Reconciler(ledger: ledger, sink: writer, client: reconcilerClient,
                                    configuration: configuration, logger: logger, onDownloadQueued: onDownloadQueued)
        let service = ReconcilerService(reconciler: reconciler, ledger: ledger, logger: logger)
        service.start()
        logger.info("api.ready", metadata: [
            "base_url": "\(settings.api.baseURL)", "verification": "completed callbacks are confirmed before download",
            "reconcile_grace": "\(Int(configuration.schedule.grace))s", "accept_unknown_tasks": "\(accept)",
        ])
        return VideoAPIServices(callbackPolicy: CallbackPolicy(verifiesWithAPI: true, acceptsUnknownTasks: accept),
                                client: client, reconcilerClient: reconcilerClient, reconciler: service)
    }

    /// SIGHUP: a changed key is used from the next call on. A key set or removed where
    /// there was none changes what the daemon does with callbacks: that takes a restart.
    func apply(key: Secret?, logger: Logger) {
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
        reconciler?.wake()
    }

    /// The downloader's hook after a 403 or 410: the task's current video link.
    func refreshURL(_ id: TaskID) throws -> String? {
        guard let client else { return nil }
        return try client.freshVideoURL(for: id)
    }

    /// Before the ledger writer closes: the reconciler records through it.
    func stop() {
        reconciler?.stop()
    }
}
