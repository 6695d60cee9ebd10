import EventLog
import Foundation
import Ledger
import ObjectStore
import Settings

extension ServeRuntime {
    /// With `s3.bucket` set: the client made from `s3.*`, the bucket checked, stale
    /// uploads aborted; nil without it. Runs before any service starts (no upload of this
    /// process exists yet, so the sweep cannot take one for a stray).
    ///
    /// What the check decides (docs/object-storage.md, "serve and the bucket"):
    /// - a bucket that does not exist, a refused bucket name, a bucket in another region:
    ///   `serve` refuses to start, naming the setting, since only a restart applies those;
    /// - anything else (a wrong key or secret, a refused permission, the clock, a store
    ///   that is down or not trusted): `serve` starts, says so on standard error and in
    ///   the log, and `/readyz` fails with the reason until a check passes: every 30 s,
    ///   and at once after SIGHUP (which applies fixed credentials). The stale-upload
    ///   sweep then runs after the first check that passes.
    func prepareObjectStore(ledger: Ledger) throws -> ObjectStoreParts? {
        guard let s3 = settings.s3 else { return nil }
        for secret in s3.secrets { redactor.registerSecret(secret.value) }
        let factory = try S3ClientFactory(settings: s3)
        let logger = self.logger
        let metrics = self.metrics
        let parts = ObjectStoreParts(settings: s3, factory: factory, metrics: metrics) { probe in
            BucketMonitor(probe: probe, prefix: s3.prefix, logger: logger, metrics: metrics)
        }
        logger.info("s3.configured", metadata: [
            "bucket": "\(s3.bucket)", "endpoint": "\(factory.endpoint)", "region": "\(s3.region)",
            "prefix": "\(s3.prefix)", "path_style": "\(s3.pathStyle)",
            "access_key_id": "\(s3.credentials.maskedAccessKeyID)",
        ])
        let started = Date()
        let sweep = { @Sendable (initiatedBefore: Date?) in
            _ = StaleUploadSweep(client: parts.client.client, ledger: ledger, bucket: s3.bucket, prefix: s3.prefix,
                                 logger: logger, initiatedBefore: initiatedBefore).run()
        }
        guard let problem = parts.monitor.check() else {
            // Alone on its ledger, nothing of this process uploads yet. Beside other
            // instances, one of them may have just created an upload it has not recorded
            // yet: what began within the clock's tolerance before this start is spared.
            sweep(ledger.isShared ? started.addingTimeInterval(-StaleUploadSweep.clockTolerance) : nil)
            return parts
        }
        if problem.isConfiguration {
            throw ServeError("s3: \(problem)")
        }
        parts.monitor.deferSweep {
            sweep(started.addingTimeInterval(-StaleUploadSweep.clockTolerance))
        }
        warnOnStandardError("s3: \(problem); starting anyway: /readyz fails until the bucket answers "
                            + "(checked every \(Int(parts.monitor.interval.seconds)) s, and at once after SIGHUP).")
        return parts
    }

    /// SIGHUP: new credentials (a secret file read again) for the next requests, and
    /// their secrets kept out of the log. Whatever changed, the bucket is checked again.
    func replaceS3Credentials(_ s3: S3Settings?) {
        guard let objectStore, let s3 else { return }
        for secret in s3.secrets { redactor.registerSecret(secret.value) }
        objectStore.replaceCredentials(s3.credentials)
        logger.notice("s3.credentials_replaced", metadata: ["access_key_id": "\(s3.credentials.maskedAccessKeyID)"])
        // Jobs the old key was refused for go again now, not at the end of their backoff.
        do {
            let due = try bucketArchive?.retryWaitingJobsNow() ?? 0
            if due > 0 { downloads?.wake() }
        } catch {
            logger.error("s3.retry_waiting_failed", metadata: ["reason": "\(error)"])
        }
    }

    /// Says a start-up problem that does not stop the start on standard error, unless the
    /// log's lines go there already (a terminal, the journal).
    func warnOnStandardError(_ message: String) {
        guard !StderrMirrorPolicy.shouldMirrorThisProcess(environment: environment) else { return }
        FileHandle.standardError.write(Data(("videohookd serve: " + message + "\n").utf8))
    }
}
