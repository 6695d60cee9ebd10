import ObjectStore
import Settings
import Telemetry

/// The object store inside `serve`, made at start when `s3.bucket` is set: the factory
/// (endpoint, trust, policy), the client the upload pipeline sends with, the monitor
/// behind `/readyz`. The pipeline takes ``client`` (asking it for the client in force
/// before each request) and ``observer`` (what it reports); SIGHUP calls
/// ``replaceCredentials(_:)``.
final class ObjectStoreParts: Sendable {
    let settings: S3Settings
    let factory: S3ClientFactory
    /// The pipeline's client: the full response timeout (CompleteMultipartUpload).
    let client: S3ClientHolder
    /// The monitor's client: a short one, so that a check never holds up the stop.
    let probe: S3ClientHolder
    let monitor: BucketMonitor
    let observer: S3UploadObserver

    /// A bucket check that takes longer than this fails as a timeout.
    static let probeResponseTimeout: Duration = .seconds(15)

    /// - Parameter monitor: makes the monitor around the probe's client.
    init(settings: S3Settings, factory: S3ClientFactory, metrics: DaemonMetrics,
         monitor: (S3ClientHolder) -> BucketMonitor) {
        self.settings = settings
        self.factory = factory
        client = S3ClientHolder(factory.makeClient(credentials: settings.credentials))
        let probe = S3ClientHolder(factory.makeClient(credentials: settings.credentials,
                                                      responseTimeout: Self.probeResponseTimeout))
        self.probe = probe
        let monitor = monitor(probe)
        self.monitor = monitor
        observer = S3UploadObserver(
            uploaded: { bytes in
                metrics.uploaded(bytes: bytes)
                monitor.writeSucceeded()
            },
            failed: { error in
                metrics.uploadFailed(DaemonMetrics.UploadFailure(error.disposition))
                monitor.writeFailed(error)
            })
    }

    /// SIGHUP with new credentials: both clients replaced (requests in flight finish with
    /// the old key), the refusal of the old key forgotten, the bucket checked again.
    func replaceCredentials(_ credentials: S3Settings.Credentials) {
        client.replace(with: factory.makeClient(credentials: credentials))
        probe.replace(with: factory.makeClient(credentials: credentials, responseTimeout: Self.probeResponseTimeout))
        monitor.credentialsReplaced()
    }
}

extension DaemonMetrics.UploadFailure {
    init(_ disposition: S3Error.Disposition) {
        switch disposition {
        case .transient: self = .transient
        case .needsOperator: self = .needsOperator
        case .failed: self = .failed
        }
    }
}
