import Foundation
import Logging
import Settings

extension ServeRuntime {
    /// SIGHUP: read the settings again and apply what can change live (log file and
    /// level, TLS certificate, HTTP limits and timeouts, download workers); reopen the log file for
    /// logrotate. A bad new file or certificate keeps the old one, and says why.
    /// Connections are not touched: new handshakes take the new certificate.
    func reload() {
        notify { try $0.reloading() }
        defer { notify { try $0.ready() } }
        logger.info("serve.reloading")
        let old = settings
        var new = old
        do {
            new = try Settings.load(file: configFile, environment: environment)
        } catch {
            logger.error("settings.reload_failed", metadata: ["reason": "\(error)", "kept": "the previous settings"])
        }
        let (applied, needRestart) = new.liveChanges(from: old)

        do {
            try logFile?.reopen(at: new.logFile == old.logFile ? nil : new.logFile)
        } catch {
            logger.error("log.reopen_failed", metadata: ["reason": "\(error)", "kept": "\(old.logFile)"])
            new.logFile = old.logFile
        }
        logLevel.level = Logger.Level(rawValue: new.logLevel.rawValue) ?? logLevel.level

        do {
            tlsStore?.replace(with: try loadCertificate(new))
            logger.info("tls.reloaded", metadata: ["cert_file": "\(new.tls.certFile ?? "self-signed")"])
        } catch {
            logger.error("tls.reload_failed", metadata: ["reason": "\(error)", "kept": "the previous certificate"])
            new.tls = old.tls
        }
        server?.update(ServeRuntime.serverConfiguration(new))
        if new.download.concurrency != old.download.concurrency {
            downloads?.setConcurrency(new.download.concurrency)
        }
        if let key = new.api.key?.value { redactor.registerSecret(key) }
        videoAPI?.apply(key: new.api.key)

        // Keys that need a restart keep their running value until then.
        var running = new
        for key in needRestart { running.keepRunningValue(of: key, from: old) }
        state.withLock { $0 = running }
        logger.info("serve.reloaded", metadata: ["applied": "\(applied.joined(separator: ","))",
                                                 "need_restart": "\(needRestart.joined(separator: ","))"])
        if !needRestart.isEmpty {
            logger.warning("settings.need_restart", metadata: ["keys": "\(needRestart.joined(separator: ","))"])
        }
    }
}

extension Settings {
    /// Puts back the running value of a key that cannot change without a restart, so the
    /// daemon keeps describing what it actually does.
    mutating func keepRunningValue(of key: String, from running: Settings) {
        switch key {
        case "listen": listen = running.listen
        case "admin_listen": adminListen = running.adminListen
        case "public_url": publicURL = running.publicURL
        case "token": token = running.token
        case "state_dir": stateDirectory = running.stateDirectory
        case "archive_dir": archiveDirectory = running.archiveDirectory
        case "api.base_url": api.baseURL = running.api.baseURL
        case "api.ca_file": api.caFile = running.api.caFile
        case "api.accept_unknown_tasks": api.acceptUnknownTasks = running.api.acceptUnknownTasks
        case "api.reconcile_grace": api.reconcileGrace = running.api.reconcileGrace
        case "download.max_bytes": download.maxBytes = running.download.maxBytes
        case "download.ca_file": download.caFile = running.download.caFile
        case "download.allow_internal": download.allowInternal = running.download.allowInternal
        case "disk_reserve_bytes": diskReserveBytes = running.diskReserveBytes
        case "limits.max_connections": limits.maxConnections = running.limits.maxConnections
        default: break
        }
    }
}
