extension Settings: CustomStringConvertible {
    /// Every key and its effective value, one `key = value` per line; secrets show as
    /// `(set)`. This is what `check-config` prints. Without `s3.bucket` the other `s3.*`
    /// keys do nothing and are left out.
    public var summaryLines: [String] {
        SettingsKey.allCases.filter { s3 != nil || $0.section != "s3" || $0 == .s3Bucket }
            .map { "\($0.rawValue) = \(renderedValue(of: $0, revealingSecrets: false))" }
    }

    public var description: String {
        summaryLines.joined(separator: "\n")
    }

    /// The value of one key as the config file would write it. With
    /// `revealingSecrets: false` a secret shows as `(set)` or a note on its default.
    func renderedValue(of key: SettingsKey, revealingSecrets: Bool) -> String {
        func secret(_ value: Secret?, unset: String) -> String {
            guard let value else { return unset }
            return revealingSecrets ? value.value : "(set)"
        }
        switch key {
        case .listen: return listen.description
        case .adminListen: return adminListen.description
        case .publicURL: return publicURL ?? "(none)"
        case .token: return secret(token, unset: "(made on first start)")
        case .tlsCertFile: return tls.certFile ?? "(self-signed, in state_dir)"
        case .tlsKeyFile: return tls.keyFile ?? "(self-signed, in state_dir)"
        case .stateDir: return stateDirectory
        case .archiveDir: return archiveDirectory
        case .logFile: return logFile
        case .logLevel: return logLevel.rawValue
        case .apiBaseURL: return api.baseURL
        case .apiKey: return secret(api.key, unset: "(none)")
        case .apiKeyFile: return api.keyFile ?? "(none)"
        case .apiCAFile: return api.caFile ?? "(none)"
        case .apiAcceptUnknownTasks: return String(api.acceptUnknownTasks)
        case .apiReconcileGrace: return DurationParser.format(api.reconcileGrace)
        case .downloadConcurrency: return String(download.concurrency)
        case .downloadMaxBytes: return ByteCountParser.format(download.maxBytes)
        case .downloadCAFile: return download.caFile ?? "(none)"
        case .downloadAllowInternal: return String(download.allowInternal)
        case .diskReserveBytes: return ByteCountParser.format(diskReserveBytes)
        case .limitsMaxBodyBytes: return ByteCountParser.format(limits.maxBodyBytes)
        case .limitsMaxHeaderBytes: return ByteCountParser.format(limits.maxHeaderBytes)
        case .limitsMaxHeaderCount: return String(limits.maxHeaderCount)
        case .limitsMaxURIBytes: return ByteCountParser.format(limits.maxURIBytes)
        case .limitsHandshakeTimeout: return DurationParser.format(limits.handshakeTimeout)
        case .limitsHeaderTimeout: return DurationParser.format(limits.headerTimeout)
        case .limitsBodyTimeout: return DurationParser.format(limits.bodyTimeout)
        case .limitsIdleTimeout: return DurationParser.format(limits.idleTimeout)
        case .limitsMaxConnections: return String(limits.maxConnections)
        case .limitsMaxConnectionsPerAddress: return String(limits.maxConnectionsPerAddress)
        case .notifyWebhooks:
            guard !notify.webhooks.isEmpty else { return "(none)" }
            return notify.webhooks.map { webhook in
                let secrets = revealingSecrets ? webhook.secrets.map(\.value).joined(separator: " ")
                    : "\(webhook.secrets.count) secret\(webhook.secrets.count == 1 ? "" : "s")"
                let url = revealingSecrets ? webhook.url : (webhook.url.split(separator: "?").first.map(String.init) ?? webhook.url)
                return "\(url) [\(webhook.events.map(\.name).joined(separator: ","))] \(secrets)\(webhook.caFile.map { " ca_file=\($0)" } ?? "")"
            }.joined(separator: "; ")
        case .notifyCommands:
            guard !notify.commands.isEmpty else { return "(none)" }
            return notify.commands.map { command in
                "\(command.run.joined(separator: " ")) [\(command.events.map(\.name).joined(separator: ","))] timeout=\(DurationParser.format(command.timeout))"
            }.joined(separator: "; ")
        case .notifyConcurrency: return String(notify.concurrency)
        case .notifyTimeout: return DurationParser.format(notify.timeout)
        case .notifyRetryDelays: return notify.retryDelays.map(DurationParser.format).joined(separator: ",")
        case .s3Bucket, .s3Endpoint, .s3Region, .s3Prefix, .s3PathStyle, .s3AccessKeyID, .s3SecretAccessKey,
             .s3SecretAccessKeyFile, .s3SessionToken, .s3StorageClass, .s3PartSize, .s3KeepLocal, .s3CAFile:
            guard let s3 else { return key == .s3Bucket ? "(none: videos stay in archive_dir)" : "(s3 off)" }
            return s3.renderedValue(of: key, revealingSecrets: revealingSecrets)
        case .ledgerURL:
            return ledger?.url ?? "(none: SQLite, ledger.sqlite in state_dir)"
        case .ledgerPasswordFile:
            return ledger?.passwordFile ?? "(none)"
        case .adminToken:
            return secret(admin.token, unset: admin.isNeeded(for: adminListen) ? "(none: required, admin_listen is not loopback)"
                                                                              : "(none: admin_listen is loopback, nothing is asked)")
        case .adminTokenFile:
            return admin.tokenFile ?? "(none)"
        }
    }
}
