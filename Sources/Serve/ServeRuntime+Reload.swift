import Foundation
import Logging
import Settings

extension ServeRuntime {
    /// SIGHUP: read the settings again and apply what can change live (log file and
    /// level, TLS certificate, request limits and timeouts, download workers, the API
    /// key); reopen the log file for logrotate and reload the certificate whatever
    /// changed (both may have new contents under the same name). A bad new file or
    /// certificate keeps the old one, and says why. Connections are not touched: new
    /// handshakes take the new certificate.
    func reload() {
        notify { try $0.reloading() }
        defer { notify { try $0.ready() } }
        logger.info("serve.reloading")
        let old = settings
        var loaded = old
        do {
            loaded = try Settings.load(file: configFile, environment: environment)
        } catch {
            logger.error("settings.reload_failed", metadata: ["reason": "\(error)", "kept": "the previous settings"])
        }
        let (applied, needRestart) = loaded.liveChanges(from: old)
        // Keys that need a restart keep their running value until then, before anything
        // is applied: what follows reads `new` and must not see them.
        var new = loaded.keepingRunningValues(of: needRestart, from: old)

        do {
            try logFile?.reopen(at: new.logFile == old.logFile ? nil : new.logFile)
        } catch {
            logger.error("log.reopen_failed", metadata: ["reason": "\(error)", "kept": "\(old.logFile)"])
            new.logFile = old.logFile
        }
        do {
            tlsStore?.replace(with: try loadCertificate(new))
            logger.info("tls.reloaded", metadata: ["cert_file": "\(new.tls.certFile ?? "self-signed")"])
        } catch {
            logger.error("tls.reload_failed", metadata: ["reason": "\(error)", "kept": "the previous certificate"])
            new.tls = old.tls
        }
        for effect in Set(applied.map(\.reloadEffect)) {
            switch effect {
            case .reopenLog, .reloadCertificate:
                break // done above, changed or not
            case .setLogLevel:
                logLevel.level = Logger.Level(rawValue: new.logLevel.rawValue) ?? logLevel.level
            case .updateRequestLimits:
                server?.update(ServeRuntime.serverConfiguration(new))
            case .setDownloadConcurrency:
                downloads?.setConcurrency(new.download.concurrency)
            case .replaceAPIKey:
                if let key = new.api.key?.value { redactor.registerSecret(key) }
                videoAPI?.apply(key: new.api.key)
            case .replaceNotifyTargets:
                replaceNotifyTargets(new.notify)
            case .replaceS3Credentials:
                replaceS3Credentials(new.s3)
            case .needsRestart:
                break // not among the applied keys
            }
        }

        // Whatever changed: the operator may have fixed the bucket or its policy itself.
        objectStore?.monitor.checkSoon()
        state.withLock { $0 = new }
        logger.info("serve.reloaded", metadata: ["applied": "\(applied.map(\.name).joined(separator: ","))",
                                                 "need_restart": "\(needRestart.map(\.name).joined(separator: ","))"])
        if !needRestart.isEmpty {
            logger.warning("settings.need_restart", metadata: ["keys": "\(needRestart.map(\.name).joined(separator: ","))"])
        }
    }
}
